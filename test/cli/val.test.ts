// `yolov3 val --resize letterbox|stretch` in original image pixels, and
// `--device` for val and train: cpu works; cuda without CUDA fails at once
// with the reason (the positive CUDA run only where CUDA exists).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, saveWeights } from '../../src/darknet/index.js';
import { wideImageDataset } from '../val/wide_dataset.js';
import { REPO_ROOT } from '../support/references.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const CFG = join(REPO_ROOT, 'cfg', 'shapes-tiny.cfg');
const run = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, YOLO_NUM_THREADS: '1' } });
const NO_CUDA = /device 'cuda(:\d+)?': CUDA is not available in this libtorch build \(Debian's libtorch-dev is CPU-only\); see README 'Using another libtorch'/;

const root = mkdtempSync(join(tmpdir(), 'yolo-cli-val-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

/** Random weights for the small cfg (detections everywhere at conf 0.001). */
function randomWeights(): string {
  const path = join(root, 'random.weights');
  if (!existsSync(path)) {
    torch.manualSeed(1);
    const model = Darknet.fromFile(CFG);
    saveWeights(model, path);
    model.dispose();
  }
  return path;
}

test('yolov3 val --resize stretch and letterbox: valid metrics, boxes in the 128 x 64 original', async () => {
  const data = await wideImageDataset(join(root, 'wide'));
  const weights = randomWeights();
  for (const resize of ['stretch', 'letterbox']) {
    const metrics = join(root, `${resize}.metrics.json`), dets = join(root, `${resize}.dets.json`);
    const r = run(['val', '--cfg', CFG, '--weights', weights, '--data', data, '--img-size', '64', '--resize', resize, '--device', 'cpu', '--metrics-json', metrics, '--save-json', dets]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`1 images \\(${resize} to 64\\), 1 objects`));
    const m = JSON.parse(readFileSync(metrics, 'utf8')) as Record<string, number>;
    for (const [k, v] of Object.entries(m)) assert.ok(Number.isFinite(v) && v >= -1 && v <= 1, `${resize} ${k} = ${v}`);
    // COCO results: [x, y, w, h] in original pixels; the 64 px input maps to the full 128 px width
    const boxes = (JSON.parse(readFileSync(dets, 'utf8')) as { bbox: number[] }[]).map((d) => d.bbox);
    assert.ok(boxes.length > 0, `${resize}: no detections`);
    assert.ok(boxes.every(([x, y, w, h]) => x >= 0 && y >= 0 && x + w <= 128 + 1e-3 && y + h <= 64 + 1e-3), `${resize}: a box outside the image`);
    assert.ok(boxes.some(([x, , w]) => x + w > 100), `${resize}: no box reaches the right part of the original image`);
  }
  const bad = run(['val', '--cfg', CFG, '--weights', weights, '--data', data, '--resize', 'crop']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--resize must be one of letterbox, stretch, got 'crop'/);
});

test('--device: cpu trains; cuda fails at once without CUDA; a malformed name is refused', (t) => {
  const weights = randomWeights();
  const project = join(root, 'runs');
  const trainArgs = ['train', '--cfg', CFG, '--data', 'shapes:4', '--img-size', '64', '--batch-size', '4', '--epochs', '1', '--no-augment', '--project', project];
  const cpu = run([...trainArgs, '--name', 'cpu', '--device', 'cpu']);
  assert.equal(cpu.status, 0, cpu.stderr + cpu.stdout);
  assert.match(cpu.stdout, /done: 1 epochs, 1 iterations/);
  const malformed = run([...trainArgs, '--name', 'bad', '--device', 'gpu0']);
  assert.equal(malformed.status, 1);
  assert.match(malformed.stderr, /device 'gpu0' is not one of cpu, cuda, cuda:N/);
  assert.ok(!existsSync(join(project, 'bad')), 'a refused device leaves no run folder');
  if (torch.cuda.isAvailable()) {
    const cuda = run([...trainArgs, '--name', 'cuda', '--device', 'cuda']);
    assert.equal(cuda.status, 0, cuda.stderr + cuda.stdout);
    const v = run(['val', '--cfg', CFG, '--weights', weights, '--data', 'shapes:4', '--img-size', '64', '--device', 'cuda']);
    assert.equal(v.status, 0, v.stderr + v.stdout);
    t.diagnostic('CUDA available: trained and evaluated on cuda');
    return;
  }
  const started = Date.now();
  const cuda = run([...trainArgs, '--name', 'cuda', '--device', 'cuda']);
  assert.equal(cuda.status, 1);
  assert.match(cuda.stderr, NO_CUDA);
  assert.ok(!existsSync(join(project, 'cuda')), 'no run folder');
  const val = run(['val', '--cfg', CFG, '--weights', weights, '--data', 'shapes:4', '--device', 'cuda:1']);
  assert.equal(val.status, 1);
  assert.match(val.stderr, NO_CUDA);
  t.diagnostic(`no CUDA here: the positive CUDA run is skipped; the refusals took ${Date.now() - started} ms`);
});
