// VOC AP against hand-worked cases following the devkit (VOCevaldet.m,
// VOCap): all-point area, 11-point option, difficult objects, duplicates,
// the +1 pixel convention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateVoc, evaluateVocClass, vocApAllPoints, vocAp11Point, type EvalDetection, type GroundTruth } from '../../src/eval/index.js';

const gt = (imageId: number | string, box: number[], extra: Partial<GroundTruth> = {}): GroundTruth => ({ imageId, box, category: 0, ...extra });
const det = (imageId: number | string, box: number[], score: number, category = 0): EvalDetection => ({ imageId, box, score, category });
const near = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) < 1e-12, `${what} ${a} vs ${b}`);

test('VOC all-point AP: TP, FP, duplicate and difficult, worked by hand', () => {
  // Image 1: objects A [0,0,10,10] and B (difficult) [20,20,30,30]; image 2: object C [0,0,10,10].
  const gts = [gt(1, [0, 0, 10, 10]), gt(1, [20, 20, 30, 30], { difficult: true }), gt(2, [0, 0, 10, 10])];
  const dets = [
    det(1, [0, 0, 10, 10], 0.9), // TP (A)
    det(1, [20, 20, 30, 30], 0.85), // on the difficult object: neither TP nor FP
    det(1, [0, 0, 10, 9], 0.8), // duplicate of A (IoU .9): FP
    det(2, [50, 50, 60, 60], 0.7), // nothing there: FP
    det(2, [0, 0, 10, 10], 0.6), // TP (C)
  ];
  // Counted, in score order: TP, FP, FP, TP with 2 non-difficult objects.
  // recall .5 .5 .5 1; precision 1 .5 1/3 .5. Envelope: 1 up to recall .5, then .5 up to 1.
  // AP = .5 * 1 + .5 * .5 = .75.
  const r = evaluateVocClass(0, gts, dets);
  assert.deepEqual(r.recall, [0.5, 0.5, 0.5, 1]);
  near(r.precision[2], 1 / 3);
  near(r.ap, 0.75, 'ap');
  assert.deepEqual([r.nGt, r.nDet, r.tp, r.fp], [2, 5, 2, 2]);
  // 11-point: t = 0..0.5 (6 points) best precision 1, t = .6..1 (5 points) .5: (6 + 2.5) / 11.
  near(evaluateVocClass(0, gts, dets, { use07Metric: true }).ap, 8.5 / 11, '11-point');
});

test('VOC matching takes the best-overlap object even if it is already detected (devkit rule)', () => {
  // Two overlapping objects; the second detection overlaps A most, A is taken, so it is an FP
  // even though it overlaps B by >= .5 too.
  const gts = [gt(1, [0, 0, 10, 10]), gt(1, [0, 0, 10, 8])];
  const dets = [det(1, [0, 0, 10, 10], 0.9), det(1, [0, 0, 10, 9.5], 0.8)];
  const r = evaluateVocClass(0, gts, dets);
  assert.deepEqual([r.tp, r.fp], [1, 1]);
  near(r.ap, 0.5);
});

test('VOC IoU threshold is inclusive (>= 0.5) and the +1 pixel convention is an option', () => {
  // Box [0,0,10,10] vs [0,0,10,5]: IoU exactly .5 in continuous coordinates -> TP.
  near(evaluateVocClass(0, [gt(1, [0, 0, 10, 10])], [det(1, [0, 0, 10, 5], 1)]).ap, 1);
  // With integer pixels (devkit), widths are +1: inter 11*6 = 66, union 121 -> IoU .545: TP;
  // [0,0,10,4]: 11*5 / 121 = .4545: FP, while continuously it is .4: FP both ways.
  near(evaluateVocClass(0, [gt(1, [0, 0, 10, 10])], [det(1, [0, 0, 10, 4], 1)], { inclusive: true }).ap, 0);
  // [0,0,9,9] vs [0,0,9,4]: continuous 36/81 = .444 (FP); devkit 10*5/100 = .5 (TP).
  near(evaluateVocClass(0, [gt(1, [0, 0, 9, 9])], [det(1, [0, 0, 9, 4], 1)]).ap, 0);
  near(evaluateVocClass(0, [gt(1, [0, 0, 9, 9])], [det(1, [0, 0, 9, 4], 1)], { inclusive: true }).ap, 1);
});

test('VOC mAP skips classes without objects; ties keep input order', () => {
  const gts = [gt('a', [0, 0, 10, 10]), { ...gt('a', [0, 0, 10, 10]), category: 1 }];
  const dets = [det('a', [50, 50, 60, 60], 0.5), det('a', [0, 0, 10, 10], 0.5), det('a', [0, 0, 10, 10], 0.9, 1), det('b', [0, 0, 1, 1], 0.9, 2)];
  const r = evaluateVoc(gts, dets);
  // Class 0: equal scores, FP first (input order): precision 0 then .5 at recall 1 -> AP .5.
  near(r.perClass[0].ap, 0.5);
  near(r.perClass[1].ap, 1);
  assert.ok(Number.isNaN(r.perClass[2].ap), 'class 2 has no objects');
  near(r.map, 0.75);
  assert.throws(() => evaluateVoc([gt(1, [0, 0, 1])], []), /box must be 4 finite numbers/);
});

test('AP helpers on a textbook curve', () => {
  near(vocApAllPoints([0.2, 0.4, 0.4, 0.8], [1, 1, 0.5, 0.8]), 0.2 + 0.2 + 0.4 * 0.8);
  near(vocAp11Point([1], [1]), 1);
  near(vocAp11Point([], []), 0);
});
