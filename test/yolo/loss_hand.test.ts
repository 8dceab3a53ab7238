// The loss's definitions checked on a case small enough to work out by hand
// (independently of both implementations): a 32x32 input, one 1x1 head with
// anchors 16x16 and 32x32, all raw outputs 0 (sigmoid 0.5, exp 1), and one
// 24x16 px label in the middle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { yoloLoss, type LossOptions } from '../../src/yolo/index.js';

const LN2 = Math.log(2);
const SCALES = [{ anchors: [[16, 16], [32, 32]] as [number, number][], stride: 32 }];

/** The parts with the series' variants (box 'mse', objectness target '1') unless `options` names others. */
function parts(options: LossOptions) {
  return torch.tidy(() => {
    const r = yoloLoss([torch.zeros([1, 2, 1, 1, 6])], torch.tensor([[0, 0.5, 0.5, 0.75, 0.5, 0]]), SCALES, { bboxLoss: 'mse', objTarget: '1', ...options });
    return { box: r.box.item(), obj: r.obj.item(), cls: r.cls.item(), total: r.total.item(), a: r.assignment.a };
  });
}

function close(actual: number, expected: number, what: string) {
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual}, expected ${expected}`);
}

test('hand-computed parts on a 1x1 grid', () => {
  // Both rules pick anchor 0: shape IoU 256/384 = .667 vs 384/1024 = .375;
  // ratio |24/16-1|+|16/16-1| = .5 vs .25+.5 = .75.
  assert.deepEqual(parts({ assign: 'best-iou' }).a, [0]);
  assert.deepEqual(parts({ assign: 'ratio' }).a, [0]);

  // Prediction: offset (.5, .5), size 16/32 · e^0 = (.5, .5) grid units; label (.5, .5, .75, .5).
  // mse: xy 0; wh mean((.5-.75)², 0) = .03125, / 10.
  close(parts({ bboxLoss: 'mse' }).box, 0.003125, 'mse box');
  close(parts({ bboxLoss: 'mse', mseWhDivisor: 1 }).box, 0.03125, 'mse box, divisor 1');
  // IoU = .25 / .375 = 2/3.
  close(parts({ bboxLoss: 'iou' }).box, 1 / 3, 'iou box');
  // GIoU: the enclosing box is the label itself, so GIoU = IoU.
  close(parts({ bboxLoss: 'giou' }).box, 1 / 3, 'giou box');
  // CIoU: same centres (no distance term); v = 4/π²·(atan(1) − atan(1.5))², alpha = v / (1/3 + v).
  const v = (4 / Math.PI ** 2) * (Math.atan(1) - Math.atan(1.5)) ** 2;
  close(parts({ bboxLoss: 'ciou' }).box, 1 / 3 + (v / (1 / 3 + v + 1e-7)) * v, 'ciou box');

  // Objectness: nPreds 2, one positive cell, pos_weight .5·(2−1)/1 = .5; every logit 0.
  // Target 1: (.5·ln2 + ln2) / 2.
  close(parts({}).obj, 0.75 * LN2, 'obj, target 1');
  // posWeightFactor 1: (ln2 + ln2) / 2.
  close(parts({ posWeightFactor: 1 }).obj, LN2, 'obj, factor 1');
  // Target IoU 2/3: −(.5·(2/3)·log .5 + (1/3)·log .5) = (2/3)·ln2 at the positive, ln2 at the negative.
  close(parts({ bboxLoss: 'iou', objTarget: 'iou' }).obj, (5 / 6) * LN2, 'obj, target iou');
  // The other anchor's box (1x1, centred) has IoU .375 with the label: ignored above .3, not above .4.
  close(parts({ ignoreThresh: 0.3 }).obj, 0.25 * LN2, 'obj, ignored negative');
  close(parts({ ignoreThresh: 0.4 }).obj, 0.75 * LN2, 'obj, negative kept');

  // Class: one class, logit 0: ln2 whatever the target.
  close(parts({}).cls, LN2, 'cls');
  close(parts({ labelSmoothing: 0.2 }).cls, LN2, 'cls, smoothed');
  const p = parts({ bboxLoss: 'iou', gains: { box: 2, obj: 3, cls: 4 } });
  close(p.total, 2 / 3 + 3 * 0.75 * LN2 + 4 * LN2, 'total with gains');
});
