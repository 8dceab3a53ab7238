// nonMaxSuppression on decoded YOLO outputs against the same pipeline in
// PyTorch + torchvision (conf on obj x cls, best class or multi-label,
// batched or agnostic nms, maxDetections), on seeded random predictions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { nonMaxSuppression } from '../../src/boxes/index.js';
import { hasPython, runPython } from '../support/references.js';
import { REF, OPTIONS } from './yolo_nms_reference.js';

test('nonMaxSuppression matches the PyTorch/torchvision pipeline', (t) => {
  if (!hasPython(t, 'torch', 'torchvision')) return;
  const start = torch.memory().tensors;
  torch.manualSeed(3);
  const pred = torch.tidy(() => {
    const [B, N, nc] = [2, 600, 6];
    const xy = torch.rand([B, N, 2]).mul(200);
    const wh = torch.rand([B, N, 2]).mul(60).add(5);
    const obj = torch.randn([B, N, 1]).mul(3).sub(1).sigmoid();
    const cls = torch.randn([B, N, nc]).mul(2).sigmoid();
    return torch.cat([xy, wh, obj, cls], 2);
  });
  const ref = runPython<number[][][][]>(REF, { pred: pred.tolist(), options: OPTIONS });
  OPTIONS.forEach((o, k) => {
    const out = nonMaxSuppression(pred, o);
    assert.equal(out.length, 2);
    out.forEach((det, b) => {
      const got = det.tolist() as number[][];
      const want = ref[k][b];
      assert.equal(got.length, want.length, `options ${k} image ${b}: ${got.length} vs ${want.length} detections`);
      got.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - want[i][j]) < 1e-4, `options ${k} image ${b} row ${i}: ${row} vs ${want[i]}`)));
      assert.ok(got.length > 0);
    });
    torch.dispose(out);
  });
  pred.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('nonMaxSuppression: soft-NMS, empty input, single image, bad input', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    // Two overlapping boxes of one class (IoU .6) and one far away; obj 1, class prob as score.
    const p = torch.tensor([
      [50, 50, 20, 20, 1, 0.9, 0.1],
      [52, 50, 20, 20, 1, 0.8, 0.1],
      [150, 150, 20, 20, 1, 0.1, 0.7],
    ]);
    const hard = nonMaxSuppression(p, { confThreshold: 0.25, iouThreshold: 0.45 })[0];
    assert.deepEqual(hard.select(1, 5).toArray(), [0, 1]);
    const soft = nonMaxSuppression(p, { confThreshold: 0.25, soft: { sigma: 0.5 } })[0];
    assert.equal(soft.shape[0], 3);
    // IoU of the first two: 18 * 20 / (800 - 360) = 9/11; the second decays by exp(-(9/11)^2 / .5).
    const s = soft.select(1, 4).toArray();
    assert.ok(Math.abs(s[2] - 0.8 * Math.exp(-((9 / 11) ** 2) / 0.5)) < 1e-6, `${s}`);
    assert.equal(nonMaxSuppression(torch.zeros([1, 10, 8]))[0].shape.join(), '0,6');
    assert.throws(() => nonMaxSuppression(torch.zeros([10, 5])), /\[B, N, 5 \+ nc\]/);
    assert.throws(() => nonMaxSuppression(p, { confThreshold: 1.5 }), /confThreshold must be in \[0, 1\)/);
    const bad = p.clone();
    bad.indexPut_([0, 0], NaN);
    assert.throws(() => nonMaxSuppression(bad), /non-finite/);
  });
  assert.equal(torch.memory().tensors, start);
});
