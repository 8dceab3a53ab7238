// COCOeval.accumulate and summarize: per category, area range and maxDets,
// the detections of all images (in image order) merged by score (stable),
// cumulative TP/FP, precision made monotone, then sampled at 101 recall
// points; -1 marks a setting with no ground truth (left out of the means).
import type { EvalImg } from './coco_match.js';

export interface Accumulated {
  /** [T, R, K, A, M] flattened row-major; -1 where undefined. */
  precision: Float64Array;
  /** [T, K, A, M] flattened; -1 where undefined. */
  recall: Float64Array;
  dims: { T: number; R: number; K: number; A: number; M: number };
}

const SPACING_1 = 2.220446049250313e-16; // np.spacing(1)

/** numpy's searchsorted(side='left') on a[0..n): first index with a[i] >= v. */
function searchLeft(a: Float64Array, v: number, n: number): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `evalImgs[k][a][i]` as evaluateImg returned them (null = nothing there),
 * images in sorted id order.
 */
export function accumulate(evalImgs: (EvalImg | null)[][][], T: number, recThrs: readonly number[], maxDets: readonly number[]): Accumulated {
  const K = evalImgs.length, A = K ? evalImgs[0].length : 0, R = recThrs.length, M = maxDets.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const E = evalImgs[k][a].filter((e): e is EvalImg => e !== null);
      if (E.length === 0) continue;
      let npig = 0;
      for (const e of E) for (const g of e.gtIgnore) if (g === 0) npig++;
      if (npig === 0) continue;
      // Every detection as (image, rank in image), sorted by score once; the
      // sort is stable, as numpy's mergesort, so ties keep image then rank
      // order. A maxDets cut then is a filter that keeps this order.
      let n = 0;
      for (const e of E) n += e.dtScores.length;
      // Flags of all images side by side, [T][n], for a flat inner loop.
      const rank = new Int32Array(n), score = new Float64Array(n);
      const matched = new Uint8Array(T * n), ignored = new Uint8Array(T * n);
      let r = 0;
      for (const e of E) {
        const D = e.dtScores.length;
        // Plain loops: subarray() views cost more than these few bytes.
        for (let t = 0; t < T; t++) {
          for (let d = 0; d < D; d++) {
            matched[t * n + r + d] = e.dtMatched[t * D + d];
            ignored[t * n + r + d] = e.dtIgnore[t * D + d];
          }
        }
        for (let d = 0; d < D; d++, r++) {
          rank[r] = d;
          score[r] = e.dtScores[d];
        }
      }
      const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => score[y] - score[x]);
      const rc = new Float64Array(n), pr = new Float64Array(n);
      for (let m = 0; m < M; m++) {
        const rows = order.filter((i) => rank[i] < maxDets[m]);
        for (let t = 0; t < T; t++) {
          let tp = 0, fp = 0;
          const nd = rows.length;
          for (let q = 0; q < nd; q++) {
            const j = t * n + rows[q];
            if (!ignored[j]) {
              if (matched[j]) tp++;
              else fp++;
            }
            rc[q] = tp / npig;
            pr[q] = tp / (fp + tp + SPACING_1);
          }
          recall[((t * K + k) * A + a) * M + m] = nd ? rc[nd - 1] : 0;
          for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
          for (let ri = 0, reached = true; ri < R; ri++) {
            // Once a recall threshold is never reached, precision is 0 from there on.
            const pi: number = reached ? searchLeft(rc, recThrs[ri], nd) : nd;
            reached = pi < nd;
            precision[(((t * R + ri) * K + k) * A + a) * M + m] = reached ? pr[pi] : 0;
          }
        }
      }
    }
  }
  return { precision, recall, dims: { T, R, K, A, M } };
}

/** Mean of the entries > -1 of a slice, or -1 if there are none (COCOeval._summarize). */
export function meanDefined(values: Iterable<number>): number {
  let sum = 0, n = 0;
  for (const v of values) if (v > -1) [sum, n] = [sum + v, n + 1];
  return n ? sum / n : -1;
}

/** Precision entries for threshold indices `ts`, every recall, category `ks`, area a, maxDets m. */
export function* precisionSlice(acc: Accumulated, ts: number[], ks: number[], a: number, m: number): Generator<number> {
  const { R, K, A, M } = acc.dims;
  for (const t of ts) for (let r = 0; r < R; r++) for (const k of ks) yield acc.precision[(((t * R + r) * K + k) * A + a) * M + m];
}

export function* recallSlice(acc: Accumulated, ts: number[], ks: number[], a: number, m: number): Generator<number> {
  const { K, A, M } = acc.dims;
  for (const t of ts) for (const k of ks) yield acc.recall[((t * K + k) * A + a) * M + m];
}
