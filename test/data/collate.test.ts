import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { collate, labelRows, batchImageSize } from '../../src/data/collate.js';

test('collate builds [B, 3, S, S] images and [N, 6] = [batch_idx, x, y, w, h, cls] labels, without leaking', () => {
  const before = torch.memory().tensors;
  const S = 32;
  const samples = [0, 1, 2].map((k) => ({
    index: k, imageId: `i${k}`, size: S,
    image: new Float32Array(3 * S * S).fill(k / 4),
    labels: k === 1 ? new Float32Array(0) : Float32Array.from([k + 5, 0.5, 0.4, 0.2, 0.1, 7, 0.1, 0.2, 0.05, 0.06]),
  }));
  const b = collate(samples);
  assert.deepEqual(b.images.shape, [3, 3, S, S]);
  assert.deepEqual(b.labels.shape, [4, 6]);
  assert.deepEqual(b.indices, [0, 1, 2]);
  const l = b.labels.tolist() as number[][];
  assert.deepEqual(l.map((r) => [r[0], r[5]]), [[0, 5], [0, 7], [2, 7], [2, 7]]);
  assert.ok(Math.abs(l[0][1] - 0.5) < 1e-7 && Math.abs(l[0][4] - 0.1) < 1e-7);
  const img = b.images.tolist() as number[][][][];
  assert.equal(img[2][1][5][5], 0.5);
  b.dispose();
  assert.equal(torch.memory().tensors, before);
  assert.deepEqual(Array.from(labelRows([new Float32Array(0)])), []);
});

test('multi-scale: sizes are multiples of 32 within range, changing only every k batches, same per seed', () => {
  const ms = { min: 320, max: 608, every: 10 };
  const sizes = Array.from({ length: 100 }, (_, b) => batchImageSize(416, ms, 1, 0, b));
  for (const s of sizes) assert.ok(s % 32 === 0 && s >= 320 && s <= 608);
  for (let b = 0; b < 100; b++) if (b % 10) assert.equal(sizes[b], sizes[b - 1]);
  assert.ok(new Set(sizes).size > 2);
  assert.deepEqual(sizes, Array.from({ length: 100 }, (_, b) => batchImageSize(416, ms, 1, 0, b)));
  assert.equal(batchImageSize(416, undefined, 1, 0, 5), 416);
});
