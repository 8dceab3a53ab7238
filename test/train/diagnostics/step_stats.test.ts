import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../../src/torch/index.js';
import { stepStats } from '../../../src/train/diagnostics/step_stats.js';

test('step statistics from the heads, by hand: IoU of the assigned prediction, its objectness, the sum elsewhere', () => {
  const before = torch.memory().tensors;
  // one scale, a 2 x 2 grid at stride 32 (64 px), one anchor of 32 x 32 px (1 x 1 cell); all raw outputs 0
  const head = torch.zeros([1, 1, 2, 2, 6]);
  const labels = torch.tensor([[0, 0.75, 0.25, 0.25, 0.25, 0]]); // centre in cell (i 1, j 0) at (1.5, 0.5), 0.5 x 0.5 cells
  const s = stepStats([head], [{ anchors: [[32, 32]], stride: 32 }], { s: [0], n: [0], b: [0], a: [0], i: [1], j: [0] }, labels, ['img']);
  // prediction: centre (1 + sigmoid 0, 0 + sigmoid 0) = (1.5, 0.5), size 1 x 1: IoU 0.25 / 1
  assert.deepEqual(s.rows, [{ label: 'img#0', s: 0, a: 0, iou: 0.25, obj: 0.5, cell: '0,0,0,0,1' }]);
  assert.equal(s.objSum, 2); // four predictions at sigmoid(0)
  assert.equal(s.objCount, 4);
  head.dispose();
  labels.dispose();
  assert.equal(torch.memory().tensors, before);
});
