// COCO-style box mAP, equal to pycocotools' COCOeval(iouType='bbox'):
// IoU thresholds 0.50:0.05:0.95, 101 recall points, areas all/small/medium/
// large, maxDets 1/10/100, the 12 summary numbers, plus per-class AP and
// precision/recall curves.
import { xyxyToLtwh, boxArea } from '../boxes/index.js';
import { accumulate, meanDefined, precisionSlice, recallSlice, type Accumulated } from './coco_accumulate.js';
import { cocoIou, evaluateImg, sortDetections, type CocoBox, type EvalImg } from './coco_match.js';
import { checkEntry, compareImageIds, type EvalDetection, type GroundTruth, type ImageId } from './types.js';

export interface CocoParams {
  iouThresholds: number[];
  recallThresholds: number[];
  /** Ascending; the last one is the per-image cut. */
  maxDets: number[];
  areaRanges: [number, number][];
  areaLabels: string[];
}

/** numpy.linspace(start, stop, num): i * step + start, the last one exactly stop. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

/** pycocotools' Params for bbox evaluation. */
export function defaultCocoParams(): CocoParams {
  return {
    iouThresholds: linspace(0.5, 0.95, 10),
    recallThresholds: linspace(0, 1, 101),
    maxDets: [1, 10, 100],
    areaRanges: [[0, 1e10], [0, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e10]],
    areaLabels: ['all', 'small', 'medium', 'large'],
  };
}

export interface CocoStats {
  AP: number; AP50: number; AP75: number; APs: number; APm: number; APl: number;
  AR1: number; AR10: number; AR100: number; ARs: number; ARm: number; ARl: number;
}
export const COCO_STAT_NAMES: (keyof CocoStats)[] = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];

export interface CocoClassResult {
  category: number;
  /** AP@[.5:.95], AP50 and AP75 at area 'all', maxDets 100; -1 with no ground truth. */
  ap: number;
  ap50: number;
  ap75: number;
  /** Recall at 0.50:0.95 (mean), maxDets 100. */
  ar: number;
  /** Interpolated precision at the 101 recall points, IoU 0.5 (-1 with no ground truth). */
  precision50: number[];
  nGt: number;
  nDet: number;
}

export interface CocoResult {
  stats: CocoStats;
  /** The 12 numbers in pycocotools' stats order. */
  statsArray: number[];
  perClass: CocoClassResult[];
  params: CocoParams;
  imageIds: ImageId[];
  categoryIds: number[];
  /** The raw precision [T, R, K, A, M] and recall [T, K, A, M] arrays. */
  accumulated: Accumulated;
}

export interface CocoOptions {
  /** Images to evaluate (default: every image of either list), as the GT file's image list. */
  imageIds?: ImageId[];
  /** Categories to evaluate (default: every category of either list). */
  categoryIds?: number[];
  params?: Partial<CocoParams>;
}

function toCocoBox(e: GroundTruth | EvalDetection, isGt: boolean): CocoBox {
  const ltwh = xyxyToLtwh(e.box as number[]);
  const g = e as GroundTruth;
  return {
    ltwh,
    // Results get area w * h (loadRes); ground truth its own area, as in the json.
    area: isGt && g.area !== undefined ? g.area : isGt ? boxArea(e.box as number[]) : ltwh[2] * ltwh[3],
    score: isGt ? 0 : (e as EvalDetection).score,
    iscrowd: isGt ? Boolean(g.iscrowd) : false,
  };
}

/** Runs evaluate + accumulate + summarize. Boxes are xyxy (see types.ts). */
export function evaluateCoco(gts: readonly GroundTruth[], dets: readonly EvalDetection[], options: CocoOptions = {}): CocoResult {
  gts.forEach((g, i) => checkEntry(g, 'groundTruth', i));
  dets.forEach((d, i) => checkEntry(d, 'detections', i));
  const p: CocoParams = { ...defaultCocoParams(), ...options.params };
  p.maxDets = [...p.maxDets].sort((a, b) => a - b);
  const imageIds = [...new Map((options.imageIds ?? [...gts, ...dets].map((e) => e.imageId)).map((i) => [`${typeof i}:${i}`, i])).values()].sort(compareImageIds);
  const categoryIds = [...new Set(options.categoryIds ?? [...gts, ...dets].map((e) => e.category))].sort((a, b) => a - b);
  // Per category, the images that have any ground truth or detection, by
  // their position in the sorted image list; every other pair evaluates to
  // nothing (null), so it is skipped rather than visited.
  const imagePos = new Map(imageIds.map((id, i) => [`${typeof id}:${id}`, i]));
  const catPos = new Map(categoryIds.map((c, k) => [c, k]));
  const cells = categoryIds.map(() => new Map<number, { g: CocoBox[]; d: CocoBox[] }>());
  const add = (e: GroundTruth | EvalDetection, isGt: boolean) => {
    const i = imagePos.get(`${typeof e.imageId}:${e.imageId}`);
    const k = catPos.get(e.category);
    if (i === undefined || k === undefined) return; // outside the evaluated images/categories
    const cell = cells[k].get(i) ?? cells[k].set(i, { g: [], d: [] }).get(i)!;
    (isGt ? cell.g : cell.d).push(toCocoBox(e, isGt));
  };
  gts.forEach((g) => add(g, true));
  dets.forEach((d) => add(d, false));
  const maxDet = p.maxDets[p.maxDets.length - 1];
  // evalImgs[k][a][n]: the n-th image with data, in image order.
  const evalImgs: (EvalImg | null)[][][] = categoryIds.map(() => p.areaRanges.map(() => []));
  const counts = categoryIds.map(() => ({ nGt: 0, nDet: 0 }));
  cells.forEach((byImage, k) => {
    for (const i of [...byImage.keys()].sort((x, y) => x - y)) {
      const { g, d: all } = byImage.get(i)!;
      const d = sortDetections(all, maxDet);
      counts[k].nGt += g.filter((x) => !x.iscrowd).length;
      counts[k].nDet += d.length;
      const ious = cocoIou(d, g);
      p.areaRanges.forEach((rng, a) => evalImgs[k][a].push(evaluateImg(g, d, ious, rng, p.iouThresholds)));
    }
  });
  const acc = accumulate(evalImgs, p.iouThresholds.length, p.recallThresholds, p.maxDets);
  const stats = summarize(acc, p);
  const perClass = categoryIds.map((category, k) => perClassResult(acc, p, category, k, counts[k]));
  return { stats, statsArray: COCO_STAT_NAMES.map((n) => stats[n]), perClass, params: p, imageIds, categoryIds, accumulated: acc };
}

function indexOf(list: number[], value: number, what: string): number {
  const i = list.findIndex((v) => Math.abs(v - value) < 1e-12);
  if (i < 0) throw new RangeError(`COCO summary needs ${what} ${value} among the parameters`);
  return i;
}

/** COCOeval.summarize for bbox: the 12 standard numbers. */
function summarize(acc: Accumulated, p: CocoParams): CocoStats {
  const allT = p.iouThresholds.map((_, i) => i);
  const allK = Array.from({ length: acc.dims.K }, (_, i) => i);
  const area = (label: string) => p.areaLabels.indexOf(label);
  const m = (n: number) => p.maxDets.indexOf(n);
  const last = p.maxDets[p.maxDets.length - 1];
  const ap = (ts: number[], a: string, md: number) => (area(a) < 0 || m(md) < 0 ? -1 : meanDefined(precisionSlice(acc, ts, allK, area(a), m(md))));
  const ar = (a: string, md: number) => (area(a) < 0 || m(md) < 0 ? -1 : meanDefined(recallSlice(acc, allT, allK, area(a), m(md))));
  return {
    AP: ap(allT, 'all', last),
    AP50: ap([indexOf(p.iouThresholds, 0.5, 'IoU')], 'all', last),
    AP75: ap([indexOf(p.iouThresholds, 0.75, 'IoU')], 'all', last),
    APs: ap(allT, 'small', last),
    APm: ap(allT, 'medium', last),
    APl: ap(allT, 'large', last),
    AR1: ar('all', p.maxDets[0]),
    AR10: ar('all', p.maxDets[1] ?? last),
    AR100: ar('all', last),
    ARs: ar('small', last),
    ARm: ar('medium', last),
    ARl: ar('large', last),
  };
}

function perClassResult(acc: Accumulated, p: CocoParams, category: number, k: number, n: { nGt: number; nDet: number }): CocoClassResult {
  const allT = p.iouThresholds.map((_, i) => i);
  const a = Math.max(0, p.areaLabels.indexOf('all'));
  const m = p.maxDets.length - 1;
  const t50 = indexOf(p.iouThresholds, 0.5, 'IoU');
  const t75 = p.iouThresholds.findIndex((v) => Math.abs(v - 0.75) < 1e-12);
  return {
    category,
    ap: meanDefined(precisionSlice(acc, allT, [k], a, m)),
    ap50: meanDefined(precisionSlice(acc, [t50], [k], a, m)),
    ap75: t75 < 0 ? -1 : meanDefined(precisionSlice(acc, [t75], [k], a, m)),
    ar: meanDefined(recallSlice(acc, allT, [k], a, m)),
    precision50: [...precisionSlice(acc, [t50], [k], a, m)],
    ...n,
  };
}
