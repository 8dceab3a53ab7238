// Every loss variant against the PyTorch reference (test/yolo/reference/yolo_loss.py,
// run by Debian's python3-torch; reference_loss.ts): the (s, n, b, a, i, j)
// indices, the three parts and the total, and each part's gradients w.r.t.
// every raw head.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { yoloLoss, cellPositions, ASSIGN_RULES, BBOX_LOSSES, OBJ_TARGETS, type LossOptions, type YoloScale } from '../../src/yolo/index.js';
import { hasPython } from '../support/references.js';
import { Exchange } from '../support/exchange.js';
import { SCALES, randomHeads, randomLabels } from './fixtures.js';
import { assertMatchesReference, runReference } from './reference_loss.js';

interface Case {
  name: string;
  options: LossOptions;
  labels: string;
  scales?: YoloScale[];
}

function cases(): Case[] {
  const out: Case[] = [];
  let k = 0;
  // every variant of the lists, so a new one is checked against the reference too
  for (const assign of ASSIGN_RULES) {
    for (const bboxLoss of BBOX_LOSSES) {
      for (const objTarget of OBJ_TARGETS) {
        const options: LossOptions = { assign, bboxLoss, objTarget };
        if (k % 2 === 1) options.ignoreThresh = 0.3;
        if (k % 3 === 0) options.labelSmoothing = 0.1;
        if (k % 4 === 2) options.gains = { box: 0.05, obj: 1.5, cls: 0.5 };
        if (k % 5 === 4) options.posWeightFactor = 1;
        out.push({ name: `${assign}_${bboxLoss}_${objTarget}`, options, labels: 'random' });
        k++;
      }
    }
  }
  out.push({ name: 'no_labels', options: { bboxLoss: 'ciou', objTarget: 'iou', ignoreThresh: 0.5 }, labels: 'none' });
  out.push({ name: 'one_scale_only', options: { assign: 'best-iou', bboxLoss: 'giou', objTarget: 'iou', ignoreThresh: 0.3 }, labels: 'tiny' });
  out.push({ name: 'ratio_threshold_1', options: { ratioThreshold: 1, bboxLoss: 'iou', mseWhDivisor: 4, objTarget: '1' }, labels: 'random' });
  out.push({ name: 'mse_divisor_4', options: { bboxLoss: 'mse', mseWhDivisor: 4, objTarget: 'iou' }, labels: 'random' });
  out.push({
    name: 'scale_xy',
    options: { bboxLoss: 'ciou', objTarget: 'iou', ignoreThresh: 0.3 },
    labels: 'random',
    scales: SCALES.map((s) => ({ ...s, scaleXY: 1.1 })),
  });
  return out;
}

test('every variant: indices, parts and gradients equal the PyTorch reference to 1e-5', (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  const start = torch.memory().tensors;
  const ex = new Exchange();
  try {
    torch.tidy(() => {
      const heads = randomHeads(11);
      const labels: Record<string, torch.Tensor> = {
        random: randomLabels(12),
        none: torch.zeros([0, 6]),
        // Small boxes: best-iou puts them all on the stride-8 head.
        tiny: torch.tensor([[0, 0.2, 0.3, 0.06, 0.09, 0], [1, 0.7, 0.4, 0.1, 0.12, 2]]),
      };
      const all = cases().map((c) => ({ ...c, scales: c.scales ?? SCALES }));
      runReference(ex, heads, labels, all);
      let worst = 0;
      for (const c of all) worst = Math.max(worst, assertMatchesReference(ex, c, heads, labels));
      console.log(`# ${all.length} cases, worst relative error ${worst.toExponential(2)}`);
    });
  } finally {
    ex.close();
  }
  assert.equal(torch.memory().tensors, start);
});

test('the fixture exercises the awkward paths: a cell assigned twice, ignored predictions', () => {
  torch.tidy(() => {
    const heads = randomHeads(11);
    const labels = randomLabels(12);
    for (const assign of ['ratio', 'best-iou'] as const) {
      const r = yoloLoss(heads, labels, SCALES, { assign, bboxLoss: 'mse', objTarget: '1' });
      const positions = cellPositions(heads, r.assignment);
      assert.ok(new Set(positions).size < positions.length, `${assign}: no cell is assigned twice`);
    }
    const without = yoloLoss(heads, labels, SCALES, { bboxLoss: 'mse', objTarget: 'iou' }).obj.item();
    const withIgnore = yoloLoss(heads, labels, SCALES, { bboxLoss: 'mse', objTarget: 'iou', ignoreThresh: 0.3 }).obj.item();
    assert.ok(withIgnore < without, 'ignoreThresh 0.3 ignores nothing on the fixture');
  });
});
