// Per-image, per-category matching of COCO evaluation, step for step as
// pycocotools' COCOeval.computeIoU and evaluateImg (bbox): detections by
// score (stable), the top maxDets only; each takes the best still-free
// ground truth with IoU >= t, preferring regular ones over ignored ones
// (crowd, or outside the area range); crowd regions may match many times
// and use intersection over the detection's area.

/** One box in COCO's ltwh layout with its area, score and crowd flag. */
export interface CocoBox { ltwh: [number, number, number, number]; area: number; score: number; iscrowd: boolean }

/** Per image and category at one area range: what accumulate() needs. */
export interface EvalImg {
  /** Scores of the kept detections, best first. */
  dtScores: number[];
  // Plain arrays of 0/1: millions of tiny typed arrays cost far more in GC.
  /** [T * D]: 1 where the detection matched at threshold t. */
  dtMatched: number[];
  /** [T * D]: 1 where the detection is ignored at threshold t. */
  dtIgnore: number[];
  /** [G]: 1 for ignored ground truth. */
  gtIgnore: number[];
}

/** maskUtils.iou for boxes (bbIou in maskApi.c): [D * G], row per detection. */
export function cocoIou(dts: readonly CocoBox[], gts: readonly CocoBox[]): Float64Array {
  const out = new Float64Array(dts.length * gts.length);
  gts.forEach((G, g) => {
    const ga = G.ltwh[2] * G.ltwh[3];
    dts.forEach((D, d) => {
      const w = Math.min(D.ltwh[2] + D.ltwh[0], G.ltwh[2] + G.ltwh[0]) - Math.max(D.ltwh[0], G.ltwh[0]);
      if (w <= 0) return;
      const h = Math.min(D.ltwh[3] + D.ltwh[1], G.ltwh[3] + G.ltwh[1]) - Math.max(D.ltwh[1], G.ltwh[1]);
      if (h <= 0) return;
      const da = D.ltwh[2] * D.ltwh[3];
      const i = w * h;
      out[d * gts.length + g] = i / (G.iscrowd ? da : da + ga - i);
    });
  });
  return out;
}

/** Detections best first (stable on ties, as numpy's mergesort), cut to maxDet. */
export function sortDetections(dts: readonly CocoBox[], maxDet: number): CocoBox[] {
  return dts
    .map((d, i) => ({ d, i }))
    .sort((a, b) => b.d.score - a.d.score || a.i - b.i)
    .slice(0, maxDet)
    .map((x) => x.d);
}

/**
 * evaluateImg for one image, category and area range. `dts` are sorted and
 * cut (sortDetections), `ious` is cocoIou(dts, gts). Null when there is
 * neither ground truth nor detection.
 */
export function evaluateImg(gts: readonly CocoBox[], dts: readonly CocoBox[], ious: Float64Array, areaRange: readonly [number, number], iouThresholds: readonly number[]): EvalImg | null {
  if (gts.length === 0 && dts.length === 0) return null;
  const [lo, hi] = areaRange;
  const outside = (a: number) => a < lo || a > hi;
  const ignoreOf = gts.map((g) => (g.iscrowd || outside(g.area) ? 1 : 0));
  // Regular ground truth first, ignored last, otherwise in input order.
  const gOrder = gts.map((_, i) => i).sort((a, b) => ignoreOf[a] - ignoreOf[b] || a - b);
  const G = gts.length, D = dts.length, T = iouThresholds.length;
  const gtIgnore = gOrder.map((i) => ignoreOf[i]);
  const crowd = gOrder.map((i) => gts[i].iscrowd);
  const dtMatched = new Array<number>(T * D).fill(0);
  const dtIgnore = new Array<number>(T * D).fill(0);
  if (G > 0 && D > 0) {
    const gtTaken = new Uint8Array(G);
    for (let t = 0; t < T; t++) {
      gtTaken.fill(0);
      for (let d = 0; d < D; d++) {
        let best = Math.min(iouThresholds[t], 1 - 1e-10);
        let m = -1;
        for (let g = 0; g < G; g++) {
          if (gtTaken[g] && !crowd[g]) continue;
          // Once matched to a regular object, never fall back to an ignored one.
          if (m > -1 && gtIgnore[m] === 0 && gtIgnore[g] === 1) break;
          const v = ious[d * G + gOrder[g]];
          if (v < best) continue;
          best = v; // ">=": on equal IoU the later ground truth wins, as in pycocotools
          m = g;
        }
        if (m === -1) continue;
        dtIgnore[t * D + d] = gtIgnore[m];
        dtMatched[t * D + d] = 1;
        gtTaken[m] = 1;
      }
    }
  }
  // Unmatched detections outside the area range are ignored too.
  for (let d = 0; d < D; d++) {
    if (!outside(dts[d].area)) continue;
    for (let t = 0; t < T; t++) if (!dtMatched[t * D + d]) dtIgnore[t * D + d] = 1;
  }
  return { dtScores: dts.map((d) => d.score), dtMatched, dtIgnore, gtIgnore };
}
