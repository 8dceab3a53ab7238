// The addon's greedy NMS (yolo::nms_greedy, native/src/nms.cpp) against
// nms_core.ts's greedyNms (itself checked against torchvision in
// nms.test.ts): the same kept indices on seeded floods of boxes, with and
// without classes, limits, the special geometries, and a threshold that
// float32 cannot hold (0.3: the float IoU is compared with the double).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { greedyNms } from '../../src/boxes/nms_core.js';
import { rng, randomBox, SPECIAL_PAIRS } from './random_boxes.js';

const native = (boxes: Float32Array, thr: number, classes: Int32Array | null, limit: number): number[] =>
  torch.tidy(() => torch.op('yolo::nms_greedy', torch.tensor(boxes, { shape: [boxes.length / 4, 4] }), thr, classes && torch.tensor(classes), limit).toArray() as number[]);

test('nms_greedy keeps what greedyNms keeps: floods, classes, limits, special pairs', () => {
  const start = torch.memory().tensors;
  const r = rng(7);
  for (const n of [0, 1, 2, 50, 700, 3000]) {
    for (const thr of [0, 0.3, 0.45, 0.7, 1]) {
      const boxes = new Float32Array(Array.from({ length: n }, () => randomBox(r, n > 100 ? 400 : 60)).flat());
      const classes = Int32Array.from({ length: n }, () => Math.floor(r() * 5));
      const order = Int32Array.from({ length: n }, (_, i) => i);
      for (const limit of [Infinity, 10]) {
        const lim = Number.isFinite(limit) ? limit : -1;
        assert.deepEqual(native(boxes, thr, null, lim), greedyNms(boxes, order, thr, undefined, limit), `n=${n} thr=${thr} limit=${limit}`);
        assert.deepEqual(native(boxes, thr, classes, lim), greedyNms(boxes, order, thr, classes, limit), `n=${n} thr=${thr} limit=${limit} classes`);
      }
    }
  }
  const special = new Float32Array(SPECIAL_PAIRS.flatMap((p) => [...p.a, ...p.b]));
  const order = Int32Array.from({ length: special.length / 4 }, (_, i) => i);
  for (const thr of [0, 0.1, 0.5]) assert.deepEqual(native(special, thr, null, -1), greedyNms(special, order, thr), `special pairs, thr=${thr}`);
  assert.equal(torch.memory().tensors, start);
});

test('nms_greedy: the float IoU is compared with the double threshold, as torchvision does', () => {
  // IoU of these two is float32(0.3) = 0.30000001..., which is > 0.3 (double) but not > float32(0.3)
  const boxes = new Float32Array([0, 0, 10, 10, 0, 0, 10, 3]);
  const iou = Math.fround(30 / Math.fround(Math.fround(100 + 30) - 30));
  assert.ok(iou > 0.3 && iou === Math.fround(0.3), 'the case sits on the threshold');
  assert.deepEqual(native(boxes, 0.3, null, -1), [0]);
  assert.deepEqual(greedyNms(boxes, [0, 1], 0.3), [0]);
});

test('nms_greedy refuses boxes of the wrong shape or type and a negative threshold, naming the problem', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    assert.throws(() => torch.op('yolo::nms_greedy', torch.zeros([3, 5]), 0.5, null, -1), /boxes must be \[n, 4\], got \[3, 5\]/);
    assert.throws(() => torch.op('yolo::nms_greedy', torch.zeros([3, 4]).to('float64'), 0.5, null, -1), /float32 on the CPU/);
    assert.throws(() => torch.op('yolo::nms_greedy', torch.zeros([3, 4]), -0.1, null, -1), /threshold must be >= 0/);
    assert.throws(() => torch.op('yolo::nms_greedy', torch.zeros([3, 4]), 0.5, torch.zeros([2], { dtype: 'int64' }), -1), /classes must be \[3\], got \[2\]/);
  });
  assert.equal(torch.memory().tensors, start);
});
