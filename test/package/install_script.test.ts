// scripts/install.mjs, npm's install script for a dependent, on its own
// paths that the installed-tarball test does not take: in this checkout it
// leaves the addon to scripts/setup.mjs; in a package whose prebuilt does not
// load and without libtorch it fails with the exact apt-get line (a copy of
// the scripts beside a broken prebuilt, LIBTORCH naming an empty folder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/references.js';

function install(root: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(root, 'scripts', 'install.mjs')], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
}

test('install script in the development checkout: nothing to do, setup.mjs builds the addon', () => {
  const r = install(REPO_ROOT);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /development checkout: scripts\/setup\.mjs builds the addon/);
});

test('install script without libtorch, the prebuilt not loading: exits 1 with the apt-get line', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'yolov3-install-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'scripts'));
  for (const f of ['install.mjs', 'addon_files.mjs']) copyFileSync(join(REPO_ROOT, 'scripts', f), join(root, 'scripts', f));
  mkdirSync(join(root, 'native', 'src'), { recursive: true });
  for (const f of ['binding.gyp', 'libtorch_config.cjs']) copyFileSync(join(REPO_ROOT, 'native', f), join(root, 'native', f));
  const prebuilt = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  mkdirSync(prebuilt, { recursive: true });
  writeFileSync(join(prebuilt, 'yolov3_native.node'), 'not a shared object');
  const empty = join(root, 'no-libtorch');
  mkdirSync(empty);
  const r = install(root, { LIBTORCH: empty });
  assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /the prebuilt addon does not load here .*; building from source/);
  assert.match(r.stderr, /libtorch is not installed\. On Debian\/Ubuntu run:\n {2}sudo apt-get update && sudo apt-get install -y --no-install-recommends libtorch-dev libopenblas0-pthread\n/);
});
