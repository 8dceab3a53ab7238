// The model loader (src/darknet/checkpoint.ts) reads a training checkpoint:
// the model's weights load, the '@' training state (optimizer, EMA, RNG) is
// skipped, any other unknown name is still refused; and `yolov3 detect`
// takes a training run's last.safetensors as --weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as torch from '../../src/torch/index.js';
import { Darknet, loadCheckpoint } from '../../src/darknet/index.js';
import { saveTrainingState } from '../../src/train/training_state.js';
import { ModelEMA } from '../../src/train/ema.js';
import { REPO_ROOT } from '../support/references.js';

const CFG = join(REPO_ROOT, 'cfg', 'shapes-tiny.cfg');
const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/** A training checkpoint of a model after one Adam step, with EMA and RNG state; returns the model's weights. */
function writeTrainingCheckpoint(path: string): Map<string, number[]> {
  torch.manualSeed(5);
  const model = Darknet.fromFile(CFG);
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 1e-2 });
  const ema = new ModelEMA(model, { decay: 0.9 });
  try {
    torch.tidy(() => {
      model.forwardHeads(torch.rand([1, 3, 64, 64])).reduce((a, h) => a.add(h.pow(2).mean()), torch.zeros([])).backward();
      optimizer.step();
    });
    ema.update(model);
    saveTrainingState(path, { model, optimizer, ema, epoch: 0, iteration: 1 });
    return new Map([...model.stateDict()].map(([k, t]) => [k, t.toArray()]));
  } finally {
    optimizer.disposeState();
    ema.dispose();
    model.dispose();
  }
}

test('loadCheckpoint reads a training checkpoint, skipping only the @ training state', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'darknet-ckpt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'last.safetensors');
  const start = torch.memory().tensors;
  const saved = writeTrainingCheckpoint(path);
  const file = torch.io.loadTensorFile(path);
  const names = [...file.tensors.keys()];
  torch.dispose(file.tensors);
  assert.ok(names.some((n) => n.startsWith('@optimizer')) && names.some((n) => n.startsWith('@ema.')) && names.includes('@rng.global'), names.join(' '));
  torch.manualSeed(99); // a different initialisation, so equality below comes from the file
  const model = Darknet.fromFile(CFG);
  try {
    loadCheckpoint(model, path);
    for (const [k, t] of model.stateDict()) {
      const want = saved.get(k)!;
      assert.deepEqual(t.toArray(), want, `${k} differs`);
    }
  } finally {
    model.dispose();
  }
  assert.equal(torch.memory().tensors, start);
});

test('loadCheckpoint still refuses names that are neither the model nor @ state', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'darknet-ckpt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'extra.safetensors');
  const model = Darknet.fromFile(CFG);
  const extra = torch.zeros([2]);
  try {
    torch.io.saveTensorFile(path, new Map([...model.stateDict(), ['ema.not_prefixed', extra]]));
    assert.throws(() => loadCheckpoint(model, path), (e: Error) => e.message.includes(path) && /unexpected keys: ema\.not_prefixed/.test(e.message));
  } finally {
    extra.dispose();
    model.dispose();
  }
});

test('yolov3 detect --weights takes a training checkpoint', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'darknet-ckpt-detect-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'last.safetensors');
  writeTrainingCheckpoint(path);
  const image = join(dir, 'grey.png');
  await sharp({ create: { width: 80, height: 60, channels: 3, background: { r: 120, g: 130, b: 140 } } }).png().toFile(image);
  const json = join(dir, 'dets.json');
  const r = spawnSync(process.execPath, [MAIN, 'detect', '--cfg', CFG, '--weights', path, '--source', image, '--json', json, '--conf', '0.001'], { encoding: 'utf8', env: { ...process.env, YOLO_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const results = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(results.length, 1, JSON.stringify(results).slice(0, 300));
});
