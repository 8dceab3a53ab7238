// A detection confusion matrix, (nc + 1) x (nc + 1): rows are predicted
// classes, columns true classes, the last row/column is background. Per
// image, detections above confThreshold and ground truth are paired one to
// one, greedily by IoU (highest first, class-agnostic, IoU > iouThreshold);
// a pair counts at [predicted, true]; an unpaired object counts as
// [background, true] (missed), an unpaired detection as [predicted, background].
import { iou } from '../boxes/index.js';
import { checkEntry, type EvalDetection, type GroundTruth } from './types.js';

export interface ConfusionOptions { confThreshold?: number; iouThreshold?: number }

export class ConfusionMatrix {
  readonly matrix: number[][];
  readonly confThreshold: number;
  readonly iouThreshold: number;

  /** `numClasses` classes with indices 0..numClasses-1 (use class indices, not COCO ids). */
  constructor(readonly numClasses: number, options: ConfusionOptions = {}) {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`ConfusionMatrix: numClasses must be a positive integer, got ${numClasses}`);
    this.matrix = Array.from({ length: numClasses + 1 }, () => new Array<number>(numClasses + 1).fill(0));
    this.confThreshold = options.confThreshold ?? 0.25;
    this.iouThreshold = options.iouThreshold ?? 0.45;
  }

  private cls(c: number, what: string): number {
    if (!Number.isInteger(c) || c < 0 || c >= this.numClasses) throw new RangeError(`ConfusionMatrix: ${what} class ${c} outside 0..${this.numClasses - 1}`);
    return c;
  }

  /** Adds one image's detections and ground truth (image ids are not looked at). */
  addImage(dets: readonly Pick<EvalDetection, 'box' | 'score' | 'category'>[], gts: readonly Pick<GroundTruth, 'box' | 'category'>[]): void {
    const d = dets.filter((x) => x.score > this.confThreshold);
    const pairs: [number, number, number][] = [];
    gts.forEach((g, gi) => d.forEach((x, di) => {
      const v = iou(x.box, g.box);
      if (v > this.iouThreshold) pairs.push([v, gi, di]);
    }));
    pairs.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
    const gUsed = new Int32Array(gts.length).fill(-1);
    const dUsed = new Uint8Array(d.length);
    for (const [, gi, di] of pairs) {
      if (gUsed[gi] >= 0 || dUsed[di]) continue;
      gUsed[gi] = di;
      dUsed[di] = 1;
    }
    const bg = this.numClasses;
    gts.forEach((g, gi) => {
      const t = this.cls(g.category, 'true');
      this.matrix[gUsed[gi] >= 0 ? this.cls(d[gUsed[gi]].category, 'predicted') : bg][t]++;
    });
    d.forEach((x, di) => {
      if (!dUsed[di]) this.matrix[this.cls(x.category, 'predicted')][bg]++;
    });
  }

  /** Adds a whole dataset, grouping by image id. */
  addAll(dets: readonly EvalDetection[], gts: readonly GroundTruth[]): void {
    dets.forEach((x, i) => checkEntry(x, 'detections', i));
    gts.forEach((x, i) => checkEntry(x, 'groundTruth', i));
    const ids = new Map<string, { d: EvalDetection[]; g: GroundTruth[] }>();
    const get = (id: number | string) => {
      const k = `${typeof id}:${id}`;
      return ids.get(k) ?? ids.set(k, { d: [], g: [] }).get(k)!;
    };
    dets.forEach((x) => get(x.imageId).d.push(x));
    gts.forEach((x) => get(x.imageId).g.push(x));
    for (const { d, g } of ids.values()) this.addImage(d, g);
  }
}
