// The loss on a real model: yolov3-tiny's training-mode heads (stride 32
// first, as in the cfg), scales taken from the model; values and gradients
// w.r.t. the heads equal the PyTorch reference (reference/yolo_loss.py), and
// one backward reaches the first layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Darknet } from '../../src/darknet/index.js';
import { yoloLoss, yoloScales, ASSIGN_RULES } from '../../src/yolo/index.js';
import { hasPython, sharedPath } from '../support/references.js';
import { Exchange } from '../support/exchange.js';
import { assertMatchesReference, runReference, type ReferenceCase } from './reference_loss.js';

test('yolov3-tiny: scales from the model, loss and gradients equal PyTorch, backward reaches the first layer, no leak', (t) => {
  const p = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  if (!p) return;
  const withReference = hasPython(t, 'torch', 'numpy');
  torch.manualSeed(7);
  const m = Darknet.fromFile(p).train();
  const scales = yoloScales(m.heads, m.strides(96, 96));
  assert.deepEqual(scales, [
    { anchors: [[81, 82], [135, 169], [344, 319]], stride: [32, 32], scaleXY: 1 },
    { anchors: [[10, 14], [23, 27], [37, 58]], stride: [16, 16], scaleXY: 1 },
  ]);
  const start = torch.memory().tensors;
  const x = torch.rand([2, 3, 96, 96]);
  const labels = torch.tensor([[0, 0.5, 0.5, 0.6, 0.7, 3], [1, 0.2, 0.8, 0.1, 0.15, 41], [1, 0.7, 0.3, 0.3, 0.2, 0]]);
  const cases: ReferenceCase[] = ASSIGN_RULES.map((assign) => ({
    name: assign, options: { assign, bboxLoss: 'ciou', objTarget: 'iou', ignoreThresh: 0.7 }, labels: 'model', scales,
  }));
  if (withReference) {
    const ex = new Exchange();
    try {
      torch.tidy(() => {
        const heads = torch.noGrad(() => m.forwardHeads(x));
        runReference(ex, heads, { model: labels }, cases);
        const worst = Math.max(...cases.map((c) => assertMatchesReference(ex, c, heads, { model: labels })));
        console.log(`# yolov3-tiny heads: worst relative error against PyTorch ${worst.toExponential(2)}`);
      });
    } finally {
      ex.close();
    }
  }
  for (const c of cases) {
    torch.tidy(() => {
      const r = yoloLoss(m.forwardHeads(x), labels, scales, c.options);
      assert.ok(r.nPositives >= 3);
      assert.ok([r.total, r.box, r.obj, r.cls].every((v) => Number.isFinite(v.item())));
      r.total.backward();
    });
    torch.tidy(() => {
      const g = m.blocks[0]!.conv.weight.grad!;
      assert.ok(g.isfinite().all().item() === 1 && g.abs().sum().item() > 0, 'finite gradients reach the first layer');
    });
    for (const q of m.parameters()) q.zeroGrad();
  }
  torch.dispose([x, labels]);
  assert.equal(torch.memory().tensors, start);
  m.dispose();
});
