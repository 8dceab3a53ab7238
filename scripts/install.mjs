#!/usr/bin/env node
// npm's `install` script: gives an installed yolov3-ts a libtorch addon.
// The prebuilt binary shipped in the package (prebuilds/<platform>-<arch>,
// made by `npm pack` from the same sources) is used when it loads here;
// otherwise the addon is built with node-gyp as other native packages are
// (native/binding.gyp: Debian's libtorch-dev, or $LIBTORCH). Without
// libtorch it prints the exact apt-get line and fails.
//
// In a development checkout (scripts/setup.mjs present) it does nothing:
// `npm start` / `npm test` run setup.mjs, which builds the addon after
// installing the Debian packages. YOLO_SKIP_NATIVE=1 skips the addon for
// projects that only import `yolov3-ts/deploy` (onnxruntime, no libtorch).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BUILT, PREBUILT, ROOT, mtime, newestAddonSource } from './addon_files.mjs';

// The addon's Debian packages (scripts/setup.mjs installs them, with fonts, for a clone).
const APT_LIBTORCH = ['libtorch-dev', 'libopenblas0-pthread'];
const APT_COMPILER = ['g++', 'make', 'python3'];

function log(msg) {
  process.stdout.write(`[yolov3-ts] ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`[yolov3-ts] ${msg}\n`);
  process.exit(1);
}

/** null when the addon at `path` loads in a fresh node (libtorch found); else the first line of the error. */
function loadError(path) {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path)}).versions()`], { encoding: 'utf8' });
  if (r.status === 0) return null;
  return (r.stderr.split('\n').find((l) => /Error|cannot open/.test(l)) ?? r.stderr.trim().split('\n')[0] ?? `exit ${r.status}`).trim();
}

function has(cmd) {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

function aptLine(packages) {
  return `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

function libtorchHeaders() {
  const base = process.env.LIBTORCH ? join(process.env.LIBTORCH, 'include') : '/usr/include';
  return existsSync(join(base, 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h'));
}

/** npm's own node-gyp (npm passes its path to scripts), a local one, or the one on PATH. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return [process.execPath, process.env.npm_config_node_gyp];
  try {
    return [process.execPath, createRequire(join(ROOT, 'package.json')).resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    return ['node-gyp'];
  }
}

function build() {
  const missing = [...(libtorchHeaders() ? [] : APT_LIBTORCH), ...(has('g++') && has('make') ? [] : APT_COMPILER)];
  if (missing.length > 0) {
    fail(`cannot build the libtorch addon: ${libtorchHeaders() ? 'no C++ compiler' : 'libtorch is not installed'}. On Debian/Ubuntu run:\n  ${aptLine(missing)}\n` +
      'then `npm rebuild yolov3-ts` (or set LIBTORCH to an unpacked libtorch zip; YOLO_SKIP_NATIVE=1 installs without the addon, for yolov3-ts/deploy only)');
  }
  const [cmd, ...pre] = nodeGyp();
  const args = [...pre, 'rebuild', '-C', join(ROOT, 'native'), '-j', 'max'];
  // node-gyp would download Node's headers; Debian's nodejs ships them.
  if (existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
  log(`building the native addon with node-gyp (about a minute on 2 cores): ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) fail(`node-gyp failed (exit ${r.status ?? r.signal}); the output above says why`);
  const err = loadError(BUILT);
  if (err) fail(`the addon was built but does not load: ${err}`);
  log(`built ${BUILT}`);
}

function main() {
  if (existsSync(join(ROOT, 'scripts', 'setup.mjs'))) return log('development checkout: scripts/setup.mjs builds the addon (npm start, npm test, npm run build)');
  if (process.env.YOLO_SKIP_NATIVE === '1') return log('YOLO_SKIP_NATIVE=1: no libtorch addon (yolov3-ts/deploy works; the main entry will not load)');
  if (process.env.YOLO_NATIVE_PATH) return log(`YOLO_NATIVE_PATH is set: the addon is loaded from ${process.env.YOLO_NATIVE_PATH}`);
  if (existsSync(BUILT) && mtime(BUILT) >= newestAddonSource() && !loadError(BUILT)) return log(`using the addon built earlier: ${BUILT}`);
  if (existsSync(PREBUILT)) {
    const err = loadError(PREBUILT);
    if (!err) return log(`using the prebuilt addon ${PREBUILT}`);
    log(`the prebuilt addon does not load here (${err}); building from source`);
  }
  build();
}

main();
