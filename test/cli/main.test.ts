import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/references.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

test('yolov3 demo trains and the loss falls', () => {
  const r = spawnSync(process.execPath, [MAIN, 'demo', '--steps', '30'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const m = /loss ([\d.]+) -> ([\d.]+)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[2]) < Number(m[1]) / 2, r.stdout);
  assert.match(r.stdout, /steps\/s ETA/);
});

test('yolov3 --help lists commands; an unknown command fails with usage', () => {
  const help = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: yolov3 <command>/);
  const bad = spawnSync(process.execPath, [MAIN, 'nope'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command 'nope'/);
});
