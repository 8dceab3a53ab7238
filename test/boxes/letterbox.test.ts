// Letterbox geometry: undo puts boxes back on the original image, and each
// rounding rule gives the sizes and pads its reference computes (by hand here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { letterboxFor, unletterboxBox, unletterboxBoxes } from '../../src/boxes/index.js';

test('letterbox: a 640x480 image in a 416x416 input maps back exactly', () => {
  const start = torch.memory().tensors;
  const original = { width: 640, height: 480 };
  const lb = letterboxFor({ width: 416, height: 416 }, original);
  assert.deepEqual({ scaleX: lb.scaleX, scaleY: lb.scaleY, padX: lb.padX, padY: lb.padY }, { scaleX: 0.65, scaleY: 0.65, padX: 0, padY: 52 }); // 480 * .65 = 312, (416 - 312) / 2 = 52
  const box = [100, 200, 300, 400];
  const onInput = [box[0] * 0.65, box[1] * 0.65 + 52, box[2] * 0.65, box[3] * 0.65 + 52];
  unletterboxBox(onInput, lb, original).forEach((v, i) => assert.ok(Math.abs(v - box[i]) < 1e-9));
  // A box running into the padding is clipped to the image.
  assert.deepEqual(unletterboxBox([0, 0, 416, 416], lb, original), [0, 0, 640, 480]);
  torch.tidy(() => {
    const t = unletterboxBoxes(torch.tensor([onInput, [0, 0, 416, 416]], { dtype: 'float64' }), lb, original).tolist() as number[][];
    t[0].forEach((v, i) => assert.ok(Math.abs(v - box[i]) < 1e-9));
    assert.deepEqual(t[1], [0, 0, 640, 480]);
  });
  assert.equal(torch.memory().tensors, start);
});

test('letterbox rounding: 640x427 into 416x416 as darknet, ultralytics and unrounded', () => {
  const input = { width: 416, height: 416 }, original = { width: 640, height: 427 };
  // darknet letterbox_image: new_h = 427 * 416 / 640 = 277.55 -> 277 (integer division); pad (416 - 277) / 2 = 69.5, pixels at row 69
  const d = letterboxFor(input, original, { rounding: 'darknet' });
  assert.deepEqual([d.resized.width, d.resized.height, d.left, d.top, d.padX, d.padY], [416, 277, 0, 69, 0, 69.5]);
  assert.deepEqual([d.scaleX, d.scaleY], [416 / 640, 277 / 427]);
  // ultralytics: round(277.55) = 278, pad floor(138 / 2) = 69
  const u = letterboxFor(input, original, { rounding: 'ultralytics' });
  assert.deepEqual([u.resized.width, u.resized.height, u.left, u.top, u.padX, u.padY, u.width, u.height], [416, 278, 0, 69, 0, 69, 416, 416]);
  assert.deepEqual([u.scaleX, u.scaleY], [416 / 640, 278 / 427]);
  // unrounded: 427 * 0.65 = 277.55, pad (416 - 277.55) / 2 = 69.225
  const e = letterboxFor(input, original);
  assert.ok(Math.abs(e.resized.height - 277.55) < 1e-9 && Math.abs(e.padY - 69.225) < 1e-9 && e.scaleY === 0.65);
  // ultralytics auto: pad only to the next multiple of 32 (278 -> 288, pad 5); no enlarging with scaleUp false
  const a = letterboxFor(input, original, { rounding: 'ultralytics', padToMultiple: 32 });
  assert.deepEqual([a.width, a.height, a.top], [416, 288, 5]);
  const small = letterboxFor(input, { width: 100, height: 50 }, { rounding: 'ultralytics', scaleUp: false });
  assert.deepEqual([small.resized.width, small.resized.height, small.left, small.top], [100, 50, 158, 183]);
  // Unclipped undo leaves a box in the padding outside the image; clipped keeps it on the image.
  assert.deepEqual(unletterboxBox([0, 0, 416, 69], u), [0, -69 / (278 / 427), 640, 0]);
  assert.deepEqual(unletterboxBox([0, 0, 416, 69], u, original), [0, 0, 640, 0]);
});
