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

test('yolov3 summary prints darknet totals; yolov3 data check counts a dataset', async (t) => {
  const { sharedPath } = await import('../support/references.js');
  const cfg = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  const yaml = sharedPath(t, 'data/coco128/coco128.yaml');
  if (!cfg || !yaml) return;
  const s = spawnSync(process.execPath, [MAIN, 'summary', '--cfg', cfg], { encoding: 'utf8' });
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /8,852,366 parameters, 5\.565 GFLOPs, \.weights 35,434,956 bytes/);
  const d = spawnSync(process.execPath, [MAIN, 'data', 'check', '--data', yaml], { encoding: 'utf8' });
  assert.equal(d.status, 0, d.stderr);
  assert.match(d.stdout, /orphan-label/);
  const bad = spawnSync(process.execPath, [MAIN, 'data', 'frobnicate'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
});
