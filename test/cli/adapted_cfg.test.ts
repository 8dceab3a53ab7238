// The stock 80-class yolov3-tiny.cfg trained on 3-class data: the run folder
// holds the adapted cfg that `yolov3 train` names, and detect, val and export
// take it with the run's checkpoint (the stock cfg does not fit the weights).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newImage, writePng } from '../../src/data/index.js';
import { REPO_ROOT } from '../support/references.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const TINY = join(REPO_ROOT, 'cfg', 'yolov3-tiny.cfg');
const run = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, YOLO_NUM_THREADS: '2' } });

test('the adapted cfg in the run folder serves detect, val and export with the run\'s weights', async (t) => {
  const project = mkdtempSync(join(tmpdir(), 'yolo-cli-adapted-'));
  t.after(() => rmSync(project, { recursive: true, force: true }));
  const r = run(['train', '--cfg', TINY, '--data', 'shapes:4', '--img-size', '64', '--batch-size', '4', '--epochs', '1', '--no-augment', '--multi-scale', 'off', '--project', project, '--name', 'run']);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const cfg = join(project, 'run', 'yolov3-tiny.cfg'), weights = join(project, 'run', 'weights', 'last.safetensors');
  assert.ok(r.stdout.includes(`overriding classes=80 with 3 from shapes:4: heads rebuilt; the adapted cfg is ${cfg} (use it with detect, val and export)`), r.stdout);
  assert.ok(existsSync(cfg) && existsSync(weights));
  const image = join(project, 'gray.png');
  await writePng(newImage(64, 64, 120), image);
  const json = join(project, 'dets.json');
  const d = run(['detect', '--cfg', cfg, '--weights', weights, '--source', image, '--img-size', '64', '--conf', '0.001', '--json', json]);
  assert.equal(d.status, 0, d.stderr + d.stdout);
  const dets = JSON.parse(readFileSync(json, 'utf8')) as unknown;
  assert.ok(JSON.stringify(dets).length > 2, 'results written');
  const v = run(['val', '--cfg', cfg, '--weights', weights, '--data', 'shapes:4', '--img-size', '64']);
  assert.equal(v.status, 0, v.stderr + v.stdout);
  assert.match(v.stdout, /circle +[\d.-]+/);
  const onnx = join(project, 'model.onnx');
  const e = run(['export', '--cfg', cfg, '--weights', weights, '--out', onnx, '--img-size', '64']);
  assert.equal(e.status, 0, e.stderr + e.stdout);
  assert.ok(statSync(onnx).size > 1e6);
  // the stock cfg, the one given to train, does not fit the run's weights
  const stock = run(['val', '--cfg', TINY, '--weights', weights, '--data', 'shapes:4', '--img-size', '64']);
  assert.notEqual(stock.status, 0);
  assert.match(stock.stderr, /shape mismatch: layers\.15\.conv\.weight: expected \[255,512,1,1\], got \[24,512,1,1\]/);
});
