// `yolov3 val`'s inputs: darknet's stretch and letterbox of a 128 x 64
// image to 64 x 64, ground truth in original pixels, and network-input boxes
// mapped back there, checked by hand.
//   stretch:   scale x 64/128 = 0.5, y 64/64 = 1, no padding
//   letterbox: resized to 64 x 32 (scale 0.5 both ways), padded 16 px above and below
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { openDataset } from '../../src/data/index.js';
import { originalFrameBatches } from '../../src/val/eval_inputs.js';
import type { EvalBatch } from '../../src/val/evaluate.js';
import { wideImageDataset } from './wide_dataset.js';

async function only(batches: AsyncGenerator<EvalBatch>): Promise<EvalBatch> {
  const all: EvalBatch[] = [];
  for await (const b of batches) all.push(b);
  assert.equal(all.length, 1);
  return all[0];
}

test('stretch and letterbox: truth in original pixels, boxes mapped back by hand-checked geometry', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'yolo-eval-inputs-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const ds = await openDataset(await wideImageDataset(root), { split: 'val' });
  const start = torch.memory().tensors;
  const red = 200 / 255;

  const stretch = await only(originalFrameBatches(ds, { size: 64, resize: 'stretch', batchSize: 4 }));
  try {
    assert.deepEqual(stretch.images.shape, [1, 3, 64, 64]);
    assert.deepEqual(stretch.imageIds, ['wide']);
    assert.deepEqual(stretch.truth.map((g) => [...g.box]), [[48, 16, 80, 48]]);
    assert.deepEqual(stretch.truth.map((g) => g.category), [1]);
    // the box where the object lands in the stretched input, and one past the input's edge (clipped to the image)
    assert.deepEqual(stretch.toFrame([24, 16, 40, 48], 0), [48, 16, 80, 48]);
    assert.deepEqual(stretch.toFrame([-4, 0, 70, 64], 0), [0, 0, 128, 64]);
    const r = torch.tidy(() => stretch.images.select(0, 0).dataSync() as Float32Array);
    assert.ok(Math.abs(r[0] - red) < 1e-6 && Math.abs(r[63 * 64] - red) < 1e-6, 'stretch fills the whole input');
  } finally {
    stretch.dispose();
  }

  const boxed = await only(originalFrameBatches(ds, { size: 64, resize: 'letterbox', batchSize: 4 }));
  try {
    assert.deepEqual(boxed.truth.map((g) => [...g.box]), [[48, 16, 80, 48]]);
    assert.deepEqual(boxed.toFrame([24, 24, 40, 40], 0), [48, 16, 80, 48]);
    const r = torch.tidy(() => boxed.images.select(0, 0).dataSync() as Float32Array);
    assert.ok(Math.abs(r[0] - 0.5) < 1e-6 && Math.abs(r[15 * 64] - 0.5) < 1e-6, 'grey padding above');
    assert.ok(Math.abs(r[16 * 64] - red) < 1e-6 && Math.abs(r[47 * 64 + 63] - red) < 1e-6, 'image rows 16..47');
    assert.ok(Math.abs(r[48 * 64] - 0.5) < 1e-6, 'grey padding below');
  } finally {
    boxed.dispose();
  }
  assert.equal(torch.memory().tensors, start);
});

test('bad sizes are refused with the reason', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'yolo-eval-inputs-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const ds = await openDataset(await wideImageDataset(root), { split: 'val' });
  await assert.rejects(only(originalFrameBatches(ds, { size: 60, resize: 'stretch', batchSize: 1 })), /image size 60 is not a multiple of 32/);
  await assert.rejects(only(originalFrameBatches(ds, { size: 64, resize: 'stretch', batchSize: 0 })), /batch size must be >= 1/);
});
