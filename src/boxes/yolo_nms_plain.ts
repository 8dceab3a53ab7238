// nonMaxSuppression (yolo_nms.ts) on plain typed arrays, for what runs
// without libtorch: the ONNX detector in Node and the browser page. The same
// steps in the same float32 arithmetic (Math.fround where libtorch rounds):
// rows whose objectness > conf; corner boxes cx ∓ w/2; scores objectness ×
// class probability, the best class (the first on ties, as torch's max) or,
// multi-label, every class above conf in (row, class) order; a stable sort
// best first cut to maxCandidates; greedy NMS (nms_core.ts); maxDetections.
// Soft-NMS is not offered here (it lives with the tensor code).
import { greedyNms } from './nms_core.js';
import { checkFinite } from './validate.js';
import type { YoloNmsOptions } from './yolo_nms.js';

export type PlainNmsOptions = Omit<YoloNmsOptions, 'soft'>;

interface Candidates { boxes: number[]; scores: number[]; classes: number[] }

function candidates(rows: ArrayLike<number>, n: number, k: number, conf: number, multiLabel: boolean, only?: number[]): Candidates {
  const f = Math.fround;
  const c: Candidates = { boxes: [], scores: [], classes: [] };
  const wanted = only ? new Set(only) : undefined;
  const push = (box: number[], score: number, cls: number) => {
    if (wanted && !wanted.has(cls)) return;
    c.boxes.push(...box);
    c.scores.push(score);
    c.classes.push(cls);
  };
  for (let i = 0; i < n; i++) {
    const o = i * k;
    const obj = rows[o + 4];
    if (!(obj > conf)) continue; // objectness > conf is implied by obj x cls > conf
    const hw = f(rows[o + 2] / 2), hh = f(rows[o + 3] / 2);
    const box = [f(rows[o] - hw), f(rows[o + 1] - hh), f(rows[o] + hw), f(rows[o + 1] + hh)];
    if (multiLabel) {
      for (let j = 5; j < k; j++) {
        const s = f(rows[o + j] * obj);
        if (s > conf) push(box, s, j - 5);
      }
      continue;
    }
    let best = f(rows[o + 5] * obj), arg = 0;
    for (let j = 6; j < k; j++) {
      const s = f(rows[o + j] * obj);
      if (s > best) [best, arg] = [s, j - 5];
    }
    if (best > conf) push(box, best, arg);
  }
  return c;
}

/**
 * NMS for one image's decoded predictions: `rows` [n, k] (k = 5 + nc: cx,
 * cy, w, h, objectness, class probabilities; after sigmoid). Returns
 * [m, 6] rows x1, y1, x2, y2, score, class, best score first: what
 * nonMaxSuppression returns as a tensor.
 */
export function nonMaxSuppressionPlain(rows: ArrayLike<number>, n: number, k: number, options: PlainNmsOptions = {}): Float32Array {
  if (k < 6 || rows.length < n * k) throw new RangeError(`nonMaxSuppressionPlain: expected ${n} rows of 5 + nc >= 6 values, got ${rows.length} values of width ${k}`);
  const conf = options.confThreshold ?? 0.25;
  const iouThreshold = options.iouThreshold ?? 0.45;
  if (!(conf >= 0 && conf < 1)) throw new RangeError(`nonMaxSuppression: confThreshold must be in [0, 1), got ${conf}`);
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) throw new RangeError(`nonMaxSuppression: iouThreshold must be in [0, 1], got ${iouThreshold}`);
  // libtorch compares a float32 tensor with the threshold rounded to float32
  const c = candidates(rows, n, k, Math.fround(conf), options.multiLabel ?? false, options.classes);
  const order = c.scores.map((_, i) => i).sort((a, b) => c.scores[b] - c.scores[a] || a - b).slice(0, options.maxCandidates ?? 30000);
  const boxes = Float32Array.from(c.boxes);
  checkFinite(boxes, 'nonMaxSuppression boxes');
  const maxDet = options.maxDetections ?? 300;
  const keep = greedyNms(boxes, order, iouThreshold, options.agnostic ? undefined : c.classes, maxDet).slice(0, maxDet);
  const out = new Float32Array(keep.length * 6);
  keep.forEach((i, m) => {
    out.set(boxes.subarray(i * 4, i * 4 + 4), m * 6);
    out[m * 6 + 4] = c.scores[i];
    out[m * 6 + 5] = c.classes[i];
  });
  return out;
}
