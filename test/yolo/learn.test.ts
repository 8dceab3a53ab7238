// Does the loss teach? Free raw heads (a parameter, no network) optimised
// with Adam against the loss must decode, through the head decoder the
// detector uses, to the label boxes and classes, with no other confident
// prediction. Run for both assignment rules: best-iou must learn too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { convertBoxes, iouMatrix } from '../../src/boxes/index.js';
import { yoloLoss, cellPositions, decodeHead, type AssignRule } from '../../src/yolo/index.js';
import { SCALES, GRIDS, CLASSES } from './fixtures.js';

const SIZE = 128;
const LABELS = [
  [0, 0.3, 0.3, 0.4, 0.3, 0], // 51x38 px
  [0, 0.72, 0.66, 0.15, 0.25, 1], // 19x32 px
  [0, 0.55, 0.45, 0.85, 0.7, 2], // 109x90 px
];

function train(assign: AssignRule, steps: number) {
  torch.manualSeed(5);
  const heads = torch.tidy(() => GRIDS.map((g) => torch.randn([1, 3, g, g, 5 + CLASSES]).mul(0.1).requiresGrad_()));
  const labels = torch.tensor(LABELS);
  const opt = new torch.optim.Adam(heads, { lr: 0.05 });
  const options = { assign, bboxLoss: 'iou', objTarget: 'iou' } as const;
  let first = 0;
  let last = 0;
  for (let k = 0; k < steps; k++) {
    torch.tidy(() => {
      opt.zeroGrad();
      const r = yoloLoss(heads, labels, SCALES, options);
      r.total.backward();
      opt.step();
      last = r.total.item();
      if (k === 0) first = last;
    });
  }
  const positives = torch.tidy(() => new Set(cellPositions(heads, yoloLoss(heads, labels, SCALES, options).assignment)).size);
  return { heads, labels, opt, first, last, positives };
}

for (const assign of ['ratio', 'best-iou'] as const) {
  test(`'${assign}': Adam on free raw heads decodes to the label boxes`, () => {
    const start = torch.memory().tensors;
    const run = train(assign, 300);
    torch.tidy(() => {
      const decoded = torch.cat(run.heads.map((h, s) => decodeHead(h.detach(), SCALES[s])), 1).index(0);
      const confident = decoded.select(1, 4).gt(0.5).nonzero().view([-1]);
      const found = decoded.index(confident); // [m, 5 + nc]
      const boxes = convertBoxes(found.slice(1, 0, 4), 'xywh', 'xyxy');
      const truth = convertBoxes(run.labels.slice(1, 1, 5).mul(SIZE), 'xywh', 'xyxy');
      const iou = iouMatrix(boxes, truth); // [m, 3]
      const { values, indices } = iou.maxDim(1);
      const cls = found.slice(1, 5, 5 + CLASSES).argmax(1).toArray();
      const best = values.toArray();
      const which = indices.toArray();
      // One confident prediction per assigned cell, none elsewhere.
      assert.equal(best.length, run.positives, `${best.length} confident predictions for ${run.positives} assigned cells`);
      if (assign === 'best-iou') assert.equal(best.length, LABELS.length);
      best.forEach((v, m) => {
        assert.ok(v > 0.9, `prediction ${m} has IoU ${v.toFixed(3)} with its nearest label`);
        assert.equal(cls[m], LABELS[which[m]][5], `prediction ${m} has the wrong class`);
      });
      assert.deepEqual(new Set(which), new Set([0, 1, 2]), 'every label is found');
      assert.ok(run.last < run.first / 5, `loss went from ${run.first} to ${run.last}`);
      console.log(`# ${assign}: loss ${run.first.toFixed(3)} -> ${run.last.toFixed(4)}, ${best.length} detections, IoU ≥ ${Math.min(...best).toFixed(3)}`);
    });
    run.opt.disposeState();
    torch.dispose([run.heads, run.labels]);
    assert.equal(torch.memory().tensors, start);
  });
}
