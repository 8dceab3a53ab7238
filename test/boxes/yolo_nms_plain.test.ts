// nonMaxSuppressionPlain (typed arrays, no libtorch) against the PyTorch +
// torchvision pipeline on seeded random predictions, bit for bit against the
// libtorch nonMaxSuppression (the same float32 steps) including ties and a
// cut at maxDetections, and on a hand-computed case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { nonMaxSuppression, nonMaxSuppressionPlain } from '../../src/boxes/index.js';
import { hasPython, runPython } from '../support/references.js';
import { REF, OPTIONS } from './yolo_nms_reference.js';

/** Seeded predictions [B, N, 5 + nc]: centres in 0..200, sizes 5..65, sigmoid objectness and classes. */
function predictions(seed: number, B: number, N: number, nc: number): torch.Tensor {
  torch.manualSeed(seed);
  return torch.tidy(() => {
    const xy = torch.rand([B, N, 2]).mul(200);
    const wh = torch.rand([B, N, 2]).mul(60).add(5);
    const obj = torch.randn([B, N, 1]).mul(3).sub(1).sigmoid();
    const cls = torch.randn([B, N, nc]).mul(2).sigmoid();
    return torch.cat([xy, wh, obj, cls], 2);
  });
}

const rowsOf = (pred: torch.Tensor, b: number) => torch.tidy(() => pred.select(0, b).contiguous().dataSync() as Float32Array);

test('nonMaxSuppressionPlain matches the PyTorch/torchvision pipeline', (t) => {
  if (!hasPython(t, 'torch', 'torchvision')) return;
  const pred = predictions(3, 2, 600, 6);
  const ref = runPython<number[][][][]>(REF, { pred: pred.tolist(), options: OPTIONS });
  OPTIONS.forEach((o, k) => {
    for (let b = 0; b < 2; b++) {
      const got = nonMaxSuppressionPlain(rowsOf(pred, b), 600, 11, o);
      const want = ref[k][b];
      assert.equal(got.length / 6, want.length, `options ${k} image ${b}`);
      assert.ok(want.length > 0);
      want.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(got[i * 6 + j] - v) < 1e-4, `options ${k} image ${b} row ${i}`)));
    }
  });
  pred.dispose();
});

test('nonMaxSuppressionPlain equals the libtorch nonMaxSuppression bit for bit, ties and caps included', () => {
  const start = torch.memory().tensors;
  const pred = predictions(7, 1, 3000, 4);
  // ties: a block of rows repeated, so equal scores meet in the sort and in NMS
  const rows = rowsOf(pred, 0);
  rows.copyWithin(2000 * 9, 0, 500 * 9);
  const tied = torch.tensor(rows, { shape: [3000, 9] });
  const options = [...OPTIONS, { confThreshold: 0.3, iouThreshold: 0.3, maxDetections: 50 }, { confThreshold: 0.2, iouThreshold: 0.7, maxDetections: 5000, maxCandidates: 700 }];
  for (const o of options) {
    const [theirs] = nonMaxSuppression(tied, o);
    const mine = nonMaxSuppressionPlain(rows, 3000, 9, o);
    assert.deepEqual(Array.from(mine), Array.from(theirs.dataSync() as Float32Array), JSON.stringify(o));
    theirs.dispose();
  }
  torch.dispose([pred, tied]);
  assert.equal(torch.memory().tensors, start);
});

test('nonMaxSuppressionPlain: a hand-computed case, empty input, bad input', () => {
  // Two boxes of class 0 with IoU 18·20 / (800 − 360) = 9/11 and one of class 1 far away.
  const p = Float32Array.from([50, 50, 20, 20, 1, 0.9, 0.1, 52, 50, 20, 20, 1, 0.8, 0.1, 150, 150, 20, 20, 1, 0.1, 0.7]);
  assert.deepEqual(Array.from(nonMaxSuppressionPlain(p, 3, 7)), [40, 40, 60, 60, Math.fround(0.9), 0, 140, 140, 160, 160, Math.fround(0.7), 1]);
  assert.equal(nonMaxSuppressionPlain(p, 3, 7, { iouThreshold: 0.9 }).length, 18); // 9/11 < 0.9: all three stay
  assert.equal(nonMaxSuppressionPlain(p, 3, 7, { agnostic: true, iouThreshold: 0 }).length, 12); // the far box overlaps none
  assert.equal(nonMaxSuppressionPlain(new Float32Array(80), 10, 8).length, 0);
  assert.throws(() => nonMaxSuppressionPlain(p, 3, 5), /5 \+ nc >= 6/);
  assert.throws(() => nonMaxSuppressionPlain(p, 3, 7, { confThreshold: 1.5 }), /confThreshold must be in \[0, 1\)/);
  const bad = p.slice();
  bad[0] = NaN;
  assert.throws(() => nonMaxSuppressionPlain(bad, 3, 7), /non-finite/);
});
