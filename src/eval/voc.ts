// PASCAL VOC detection AP, following the devkit's VOCevaldet.m: per class,
// detections in descending score order (stable) each take the ground truth of
// their image with the highest IoU; at IoU >= 0.5 that is a true positive if
// the object is not yet detected, a false positive if it is (a duplicate),
// and neither if the object is difficult. Below 0.5: a false positive.
import { vocApAllPoints, vocAp11Point } from './ap.js';
import { checkEntry, type EvalDetection, type GroundTruth } from './types.js';

export interface VocOptions {
  /** Default 0.5; a match needs IoU >= this. */
  iouThreshold?: number;
  /** VOC2007's 11-point AP instead of the all-point area; default false. */
  use07Metric?: boolean;
  /** Integer-pixel boxes: widths are x2 - x1 + 1 as in the devkit; default false (continuous coordinates). */
  inclusive?: boolean;
}

export interface VocClassResult {
  category: number;
  /** NaN when the class has no non-difficult ground truth. */
  ap: number;
  /** Per detection in score order. */
  precision: number[];
  recall: number[];
  scores: number[];
  /** Non-difficult ground-truth objects. */
  nGt: number;
  nDet: number;
  tp: number;
  fp: number;
}

export interface VocResult {
  /** Mean AP over the classes that have ground truth. */
  map: number;
  perClass: VocClassResult[];
}

function vocIou(a: readonly number[], b: readonly number[], one: number): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + one;
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + one;
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0] + one) * (a[3] - a[1] + one) + (b[2] - b[0] + one) * (b[3] - b[1] + one) - inter;
  return union > 0 ? inter / union : 0;
}

/** One class's curve and AP. */
export function evaluateVocClass(category: number, gts: readonly GroundTruth[], dets: readonly EvalDetection[], o: VocOptions = {}): VocClassResult {
  const thr = o.iouThreshold ?? 0.5;
  const one = o.inclusive ? 1 : 0;
  const byImage = new Map<string, { gt: GroundTruth; used: boolean }[]>();
  let nGt = 0;
  for (const g of gts) {
    if (g.category !== category) continue;
    const key = `${typeof g.imageId}:${g.imageId}`;
    if (!byImage.has(key)) byImage.set(key, []);
    byImage.get(key)!.push({ gt: g, used: false });
    if (!g.difficult) nGt++;
  }
  const sorted = dets.filter((d) => d.category === category).map((d, i) => ({ d, i }));
  sorted.sort((x, y) => y.d.score - x.d.score || x.i - y.i); // stable, as MATLAB's sort
  const precision: number[] = [], recall: number[] = [], scores: number[] = [];
  let tp = 0, fp = 0;
  for (const { d } of sorted) {
    const objects = byImage.get(`${typeof d.imageId}:${d.imageId}`) ?? [];
    let best = -Infinity, match = -1;
    objects.forEach((obj, j) => {
      const ov = vocIou(d.box, obj.gt.box, one);
      if (ov > best) [best, match] = [ov, j];
    });
    if (match >= 0 && best >= thr) {
      const obj = objects[match];
      if (obj.gt.difficult) continue; // neither: drops out of the curve
      if (!obj.used) {
        obj.used = true;
        tp++;
      } else fp++;
    } else fp++;
    scores.push(d.score);
    recall.push(tp / nGt);
    precision.push(tp / (tp + fp));
  }
  const ap = nGt === 0 ? NaN : o.use07Metric ? vocAp11Point(recall, precision) : vocApAllPoints(recall, precision);
  return { category, ap, precision, recall, scores, nGt, nDet: sorted.length, tp, fp };
}

/** VOC AP for every class that has ground truth or detections, and their mAP. */
export function evaluateVoc(gts: readonly GroundTruth[], dets: readonly EvalDetection[], o: VocOptions = {}): VocResult {
  gts.forEach((g, i) => checkEntry(g, 'groundTruth', i));
  dets.forEach((d, i) => checkEntry(d, 'detections', i));
  const categories = [...new Set([...gts.map((g) => g.category), ...dets.map((d) => d.category)])].sort((a, b) => a - b);
  const perClass = categories.map((c) => evaluateVocClass(c, gts, dets, o));
  const valid = perClass.filter((r) => !Number.isNaN(r.ap));
  return { map: valid.length ? valid.reduce((s, r) => s + r.ap, 0) / valid.length : NaN, perClass };
}
