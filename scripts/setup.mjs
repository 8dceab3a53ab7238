#!/usr/bin/env node
// Installs what is missing before `npm start` / `npm test` / `npm run bench`:
// Debian packages (when root; otherwise prints the exact apt-get line),
// node_modules (`npm ci`), the native addon (node-gyp, when missing or older
// than its sources) and the TypeScript build. Uses Node built-ins only, since
// it runs before node_modules exists.
//
//   node scripts/setup.mjs main   # what the detector needs
//   node scripts/setup.mjs test   # plus the reference implementations the tests compare against
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUILT, ROOT as root, mtime, newestAddonSource } from './addon_files.mjs';

const profile = process.argv[2] ?? 'main';

// fonts-dejavu-core: label text on drawn detections and plots (sharp renders SVG text with system fonts).
// libgloo-dev: Gloo's headers, which c10d's ProcessGroupGloo.hpp includes (the addon's distributed training).
// libdnnl-dev: oneDNN's headers, for the addon's inference convolutions with fused activations
// (native/src/dnnl_conv.cpp; libtorch-dev already brings the library itself).
const APT_MAIN = ['libtorch-dev', 'libgloo-dev', 'libdnnl-dev', 'libopenblas0-pthread', 'fonts-dejavu-core'];
// References used by tests and benchmarks: PyTorch, torchvision, OpenCV, C darknet,
// the ONNX checker and shape inference (python3-onnx) for exported models,
// a real browser (chromium, driven by playwright-core) for the `yolov3 serve` page,
// and ffmpeg (ffmpeg, ffprobe) for `detect` on videos and streams and its test clips
// (without it `detect` on a video prints this apt line; images need no ffmpeg).
const APT_TEST = [...APT_MAIN, 'python3-numpy', 'python3-torch', 'python3-torchvision', 'python3-opencv', 'darknet', 'python3-onnx', 'chromium', 'ffmpeg'];

function log(msg) {
  process.stderr.write(`[setup] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  log(`${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    log(`failed: ${cmd} ${args.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

function missingDebianPackages(packages) {
  if (!existsSync('/usr/bin/dpkg-query')) return [];
  return packages.filter((p) => {
    try {
      const status = execFileSync('dpkg-query', ['-W', '-f=${Status}', p], { stdio: ['ignore', 'pipe', 'ignore'] });
      return !status.toString().includes('install ok installed');
    } catch {
      return true;
    }
  });
}

function ensureDebianPackages() {
  if (process.env.LIBTORCH && profile === 'main') return; // user-provided libtorch
  const wanted = profile === 'test' ? APT_TEST : APT_MAIN;
  const missing = missingDebianPackages(wanted);
  if (missing.length === 0) return;
  const line = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    log(`missing Debian packages: ${missing.join(', ')}. Run as root:\n  sudo sh -c '${line}'`);
    process.exit(1);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], { env });
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
}

function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && mtime(marker) >= mtime(join(root, 'package-lock.json'))) return;
  // onnxruntime-node's post-install downloads CUDA files (and fails offline); its CPU build ships in the package.
  run('npm', ['ci', '--no-audit', '--no-fund'], { env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
}

function ensureAddon() {
  if (existsSync(BUILT) && mtime(BUILT) >= newestAddonSource()) return;
  const args = [join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), 'rebuild', '-C', 'native', '-j', 'max'];
  // node-gyp would download Node's headers; Debian's nodejs ships them.
  if (existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
  log('building the native addon (about a minute on 2 cores)');
  run(process.execPath, args);
}

function buildTypeScript() {
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
}

ensureDebianPackages();
ensureNodeModules();
ensureAddon();
buildTypeScript();
