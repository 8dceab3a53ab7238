// Box formats: plain and tensor versions agree, round trips are exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import {
  convertBox, convertBoxes, xywhToXyxy, normalizeBox, denormalizeBox, normalizeBoxes, clipBox, clipBoxes, boxArea, boxAreas,
  type BoxFormat,
} from '../../src/boxes/index.js';

const FORMATS: BoxFormat[] = ['xyxy', 'xywh', 'ltwh'];

test('conversions: hand values and round trips, plain and tensor alike', () => {
  const start = torch.memory().tensors;
  assert.deepEqual(xywhToXyxy([50, 40, 20, 10]), [40, 35, 60, 45]);
  assert.deepEqual(convertBox([40, 35, 60, 45], 'xyxy', 'ltwh'), [40, 35, 20, 10]);
  assert.deepEqual(convertBox([40, 35, 20, 10], 'ltwh', 'xywh'), [50, 40, 20, 10]);
  const boxes = [[40, 35, 60, 45], [0, 0, 1, 1], [3.5, 2.25, 3.5, 9]];
  for (const from of FORMATS) {
    for (const to of FORMATS) {
      torch.tidy(() => {
        const t = convertBoxes(torch.tensor(boxes, { dtype: 'float64' }), from, to);
        assert.deepEqual(t.tolist(), boxes.map((b) => convertBox(b, from, to)), `${from} -> ${to}`);
        const back = convertBoxes(t, to, from).tolist() as number[][];
        back.forEach((b, i) => b.forEach((v, k) => assert.ok(Math.abs(v - boxes[i][k]) < 1e-12)));
      });
    }
  }
  assert.equal(torch.memory().tensors, start);
});

test('normalise, clip, area', () => {
  const start = torch.memory().tensors;
  const size = { width: 200, height: 100 };
  assert.deepEqual(normalizeBox([50, 50, 100, 100], size), [0.25, 0.5, 0.5, 1]);
  assert.deepEqual(denormalizeBox([0.25, 0.5, 0.5, 1], size), [50, 50, 100, 100]);
  assert.deepEqual(clipBox([-5, 10, 250, 120], size), [0, 10, 200, 100]);
  assert.equal(boxArea([0, 0, 4, 5]), 20);
  assert.equal(boxArea([4, 0, 0, 5]), 0);
  torch.tidy(() => {
    const t = torch.tensor([[50, 50, 100, 100], [-5, 10, 250, 120]], { dtype: 'float64' });
    assert.deepEqual(normalizeBoxes(t, size).tolist(), [[0.25, 0.5, 0.5, 1], [-0.025, 0.1, 1.25, 1.2]]);
    assert.deepEqual(clipBoxes(t, size).tolist(), [[50, 50, 100, 100], [0, 10, 200, 100]]);
    assert.deepEqual(boxAreas(t).toArray(), [2500, 255 * 110]);
  });
  assert.throws(() => convertBox([1, 2, 3], 'xyxy', 'xywh'), /expected 4 numbers/);
  assert.throws(() => torch.tidy(() => convertBoxes(torch.zeros([2, 5]), 'xyxy', 'xywh')), /shape \[\.\.\., 4\], got \[2, 5\]/);
  assert.equal(torch.memory().tensors, start);
});
