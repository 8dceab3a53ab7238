// Where the libtorch addon lives in the package, and when a build is up to
// date, shared by scripts/setup.mjs, install.mjs and pack.mjs
// (src/torch/native.ts looks in the same two places): a local node-gyp
// build, and the prebuilt binary `npm pack` ships for this platform. Node
// built-ins only: it runs before dependencies exist.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BUILT = join(ROOT, 'native', 'build', 'Release', 'yolov3_native.node');
export const PREBUILDS = join(ROOT, 'prebuilds');
export const PREBUILT = join(PREBUILDS, `${process.platform}-${process.arch}`, 'yolov3_native.node');

export function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function newestUnder(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** The newest modification time of the addon's sources (native/src, binding.gyp, libtorch_config.cjs), as scripts/setup.mjs decides a rebuild. */
export function newestAddonSource() {
  return Math.max(newestUnder(join(ROOT, 'native', 'src')), mtime(join(ROOT, 'native', 'binding.gyp')), mtime(join(ROOT, 'native', 'libtorch_config.cjs')));
}
