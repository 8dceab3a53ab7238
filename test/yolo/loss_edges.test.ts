// Edge cases of the loss: empty batches, scales with nothing assigned, bad
// inputs and options, and the live-tensor count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { yoloLoss, type LossOptions } from '../../src/yolo/index.js';
import { SCALES, randomHeads, randomLabels } from './fixtures.js';

function finiteGrads(heads: torch.Tensor[]): boolean {
  return heads.every((h) => h.grad!.isfinite().all().item() === 1);
}

const VARIANTS: LossOptions[] = [
  { assign: 'ratio', bboxLoss: 'mse', objTarget: '1' },
  { assign: 'best-iou', bboxLoss: 'ciou', objTarget: 'iou', ignoreThresh: 0.5, labelSmoothing: 0.1 },
  { assign: 'ratio', bboxLoss: 'giou', objTarget: 'iou', ignoreThresh: 0.7 },
];

test('a batch with no labels gives a finite loss, box = cls = 0, and finite gradients', () => {
  torch.tidy(() => {
    for (const options of VARIANTS) {
      const heads = randomHeads(1).map((h) => h.requiresGrad_());
      const r = yoloLoss(heads, torch.zeros([0, 6]), SCALES, options);
      assert.equal(r.nPositives, 0);
      assert.equal(r.box.item(), 0);
      assert.equal(r.cls.item(), 0);
      assert.ok(Number.isFinite(r.obj.item()) && r.obj.item() > 0);
      assert.ok(Math.abs(r.total.item() - r.obj.item()) < 1e-7);
      r.total.backward();
      assert.ok(finiteGrads(heads));
    }
  });
});

test('scales with no assigned label give a finite loss and gradients', () => {
  torch.tidy(() => {
    // One tiny box: best-iou puts it on the stride-8 head only.
    const labels = torch.tensor([[1, 0.4, 0.6, 0.05, 0.08, 2]]);
    for (const options of VARIANTS) {
      const heads = randomHeads(2).map((h) => h.requiresGrad_());
      const r = yoloLoss(heads, labels, SCALES, { ...options, assign: 'best-iou' });
      assert.deepEqual(r.assignment.s, [2]);
      for (const part of [r.total, r.box, r.obj, r.cls]) assert.ok(Number.isFinite(part.item()));
      r.total.backward();
      assert.ok(finiteGrads(heads));
    }
  });
});

test('a 1x1 grid and a single image work', () => {
  torch.tidy(() => {
    const heads = [torch.randn([1, 2, 1, 1, 6]).requiresGrad_()];
    const r = yoloLoss(heads, torch.tensor([[0, 0.5, 0.5, 0.5, 0.5, 0]]), [{ anchors: [[16, 16], [32, 32]], stride: 32 }], { assign: 'best-iou', bboxLoss: 'ciou', objTarget: 'iou' });
    assert.deepEqual([r.assignment.a, r.assignment.i, r.assignment.j], [[0], [0], [0]]);
    r.total.backward();
    assert.ok(finiteGrads(heads));
  });
});

test('loss and backward leave the live-tensor count where they found it', () => {
  const heads = randomHeads(4).map((h) => h.requiresGrad_());
  const labels = randomLabels(5);
  const labels64 = labels.double();
  const start = torch.memory().tensors;
  for (const options of VARIANTS) {
    const r = yoloLoss(heads, labels, SCALES, options);
    r.total.backward();
    torch.dispose([r.total, r.box, r.obj, r.cls]);
    heads.forEach((h) => h.zeroGrad());
  }
  // float64 labels are converted to the heads' dtype inside.
  torch.dispose(yoloLoss(heads, labels64, SCALES, { bboxLoss: 'mse', objTarget: '1', ignoreThresh: 0.5 }));
  assert.equal(torch.memory().tensors, start);
  torch.dispose([heads, labels, labels64]);
});

test('bad labels, heads and options are refused with a clear message', () => {
  torch.tidy(() => {
    const heads = randomHeads(6);
    const ok = torch.tensor([[0, 0.5, 0.5, 0.2, 0.2, 0]]);
    assert.throws(() => yoloLoss(heads, torch.tensor([[2, 0.5, 0.5, 0.2, 0.2, 0]]), SCALES), /batch_idx 2, the batch has 2 images/);
    assert.throws(() => yoloLoss(heads, torch.tensor([[0, 0.5, 0.5, 0.2, 0.2, 3]]), SCALES), /class 3, the heads have 3 classes/);
    assert.throws(() => yoloLoss(heads, torch.tensor([[0, NaN, 0.5, 0.2, 0.2, 0]]), SCALES), /non-finite/);
    assert.throws(() => yoloLoss(heads, torch.zeros([2, 5]), SCALES), /labels must be \[N, 6\]/);
    assert.throws(() => yoloLoss(heads.slice(0, 2), ok, SCALES), /2 heads but 3 scales/);
    assert.throws(() => yoloLoss(heads, ok, SCALES, { bboxLoss: 'l1' as never }), /bboxLoss must be one of 'mse', 'iou', 'giou', 'ciou'/);
    assert.throws(() => yoloLoss(heads, ok, SCALES, { assign: 'best' as never }), /assign must be one of/);
    assert.throws(() => yoloLoss(heads, ok, SCALES, { objTarget: 1 as never }), /objTarget must be one of/);
    assert.throws(() => yoloLoss(heads, ok, SCALES, { labelSmoothing: 2 }), /labelSmoothing/);
    assert.throws(() => yoloLoss(heads, ok, SCALES, { posWeightFactor: -1 }), /posWeightFactor/);
  });
});

test('gains scale the parts in the total; the parts themselves do not change', () => {
  torch.tidy(() => {
    const heads = randomHeads(8);
    const labels = randomLabels(9);
    const a = yoloLoss(heads, labels, SCALES, { bboxLoss: 'giou', objTarget: '1' });
    const b = yoloLoss(heads, labels, SCALES, { bboxLoss: 'giou', objTarget: '1', gains: { box: 2, obj: 0.5, cls: 3 } });
    for (const p of ['box', 'obj', 'cls'] as const) assert.equal(a[p].item(), b[p].item());
    const expected = 2 * a.box.item() + 0.5 * a.obj.item() + 3 * a.cls.item();
    assert.ok(Math.abs(b.total.item() - expected) < 1e-5 * expected);
  });
});
