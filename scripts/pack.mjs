#!/usr/bin/env node
// `npm pack` / `npm publish` hooks (package.json prepack, postpack).
//   node scripts/pack.mjs prepack   # brings dist/ up to date, ships the built addon as a prebuilt
//   node scripts/pack.mjs postpack  # removes the prebuilt from the checkout again
// The TypeScript build is brought up to date (tsc, incremental); the addon
// is never compiled here: the tarball carries what `npm run build` made.
// The addon goes in only when it is at least as new as its sources (the
// rule scripts/setup.mjs rebuilds by), so the prebuilt and the shipped
// native/ sources agree; otherwise the package's install script builds it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { BUILT, PREBUILDS, PREBUILT, ROOT, mtime, newestAddonSource } from './addon_files.mjs';

function log(msg) {
  process.stderr.write(`[pack] ${msg}\n`);
}

function prepack() {
  // incremental: seconds when dist/ is current, and it never ships stale JavaScript
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    log(`tsc failed (exit ${tsc.status ?? tsc.signal}): nothing packed`);
    process.exit(1);
  }
  rmSync(PREBUILDS, { recursive: true, force: true });
  if (!existsSync(BUILT)) return log(`no ${relative(ROOT, BUILT)}: no prebuilt addon shipped (installing builds it)`);
  if (mtime(BUILT) < newestAddonSource()) return log(`${relative(ROOT, BUILT)} is older than native/ sources: no prebuilt addon shipped (installing builds it)`);
  mkdirSync(dirname(PREBUILT), { recursive: true });
  copyFileSync(BUILT, PREBUILT);
  log(`prebuilt addon: ${relative(ROOT, PREBUILT)}`);
}

const step = process.argv[2];
if (step === 'prepack') prepack();
else if (step === 'postpack') rmSync(PREBUILDS, { recursive: true, force: true });
else {
  log(`usage: node scripts/pack.mjs prepack|postpack (got ${step})`);
  process.exit(2);
}
