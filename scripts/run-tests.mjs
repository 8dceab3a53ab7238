#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with Node's test
// runner. Arguments filter by path substring: `npm test -- torch/ nn/`.
// The tests and everything they start (workers, Python references, the
// browser) get a temporary directory of their own (TMPDIR), removed when
// they end: a run left 1536 ONNX export folders (yolov3's 241 MB each) in
// /tmp until a later run failed with ENOSPC.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testRoot = join(root, 'dist', 'test');

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return find(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

const filters = process.argv.slice(2);
const files = find(testRoot)
  .filter((f) => filters.length === 0 || filters.some((x) => relative(testRoot, f).includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const scratch = mkdtempSync(join(tmpdir(), 'yolov3-tests-'));
let status = 1;
try {
  const env = { ...process.env, TMPDIR: scratch };
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit', cwd: root, env });
  status = r.status ?? 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(status);
