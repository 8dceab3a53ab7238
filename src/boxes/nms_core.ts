// Greedy NMS on plain typed arrays: the loop torchvision runs in C++
// (nms_kernel.cpp), here in JavaScript. Float32 input is computed with
// float32 rounding (Math.fround at every step), so the suppress/keep decision
// at the threshold is the same one torchvision makes.

/** Flat xyxy boxes: [x1, y1, x2, y2, x1, ...]. */
export type FlatBoxes = Float32Array | Float64Array | readonly number[];

/**
 * Visits boxes in `order` (best first) and keeps each one not suppressed
 * by an earlier kept box: a later box is suppressed when its IoU with a kept
 * box is > iouThreshold. With `classes`, boxes of different classes never
 * suppress each other. Returns the kept indices in visiting order.
 */
export function greedyNms(boxes: FlatBoxes, order: ArrayLike<number>, iouThreshold: number, classes?: ArrayLike<number>): number[] {
  if (!classes) return boxes instanceof Float32Array ? greedy32(boxes, order, iouThreshold) : greedy64(boxes, order, iouThreshold);
  // Split the visiting order by class (keeping it within each class), run
  // each class alone, then merge back into visiting order: the same result
  // as one pass that skips other classes, in sum(n_c^2) instead of n^2.
  const byClass = new Map<number, number[]>();
  let maxIndex = -1;
  for (let p = 0; p < order.length; p++) maxIndex = Math.max(maxIndex, order[p]);
  const position = new Int32Array(maxIndex + 1);
  for (let p = 0; p < order.length; p++) {
    const i = order[p];
    position[i] = p;
    const c = classes[i];
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  const kept: number[] = [];
  for (const list of byClass.values()) {
    const k = boxes instanceof Float32Array ? greedy32(boxes, list, iouThreshold) : greedy64(boxes, list, iouThreshold);
    for (const i of k) kept.push(i);
  }
  return kept.sort((x, y) => position[x] - position[y]);
}

function greedy32(b: Float32Array, order: ArrayLike<number>, thr: number): number[] {
  const f = Math.fround;
  const n = order.length;
  const suppressed = new Uint8Array(n);
  const area = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const o = order[p] * 4;
    area[p] = f(f(b[o + 2] - b[o]) * f(b[o + 3] - b[o + 1]));
  }
  const kept: number[] = [];
  for (let p = 0; p < n; p++) {
    if (suppressed[p]) continue;
    const i = order[p] * 4;
    kept.push(order[p]);
    const ix1 = b[i], iy1 = b[i + 1], ix2 = b[i + 2], iy2 = b[i + 3], ia = area[p];
    for (let q = p + 1; q < n; q++) {
      if (suppressed[q]) continue;
      const j = order[q] * 4;
      const w = Math.max(0, f(Math.min(ix2, b[j + 2]) - Math.max(ix1, b[j])));
      const h = Math.max(0, f(Math.min(iy2, b[j + 3]) - Math.max(iy1, b[j + 1])));
      const inter = f(w * h);
      // (ia + area) - inter, each step rounded as C++ float arithmetic does.
      if (f(inter / f(f(ia + area[q]) - inter)) > thr) suppressed[q] = 1;
    }
  }
  return kept;
}

function greedy64(b: Float64Array | readonly number[], order: ArrayLike<number>, thr: number): number[] {
  const n = order.length;
  const suppressed = new Uint8Array(n);
  const area = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const o = order[p] * 4;
    area[p] = (b[o + 2] - b[o]) * (b[o + 3] - b[o + 1]);
  }
  const kept: number[] = [];
  for (let p = 0; p < n; p++) {
    if (suppressed[p]) continue;
    const i = order[p] * 4;
    kept.push(order[p]);
    const ix1 = b[i], iy1 = b[i + 1], ix2 = b[i + 2], iy2 = b[i + 3], ia = area[p];
    for (let q = p + 1; q < n; q++) {
      if (suppressed[q]) continue;
      const j = order[q] * 4;
      const w = Math.max(0, Math.min(ix2, b[j + 2]) - Math.max(ix1, b[j]));
      const h = Math.max(0, Math.min(iy2, b[j + 3]) - Math.max(iy1, b[j + 1]));
      const inter = w * h;
      if (inter / (ia + area[q] - inter) > thr) suppressed[q] = 1;
    }
  }
  return kept;
}

/** IoU of boxes i and j of a flat array, in double precision (soft-NMS). */
export function flatIou(b: FlatBoxes, i: number, j: number): number {
  const a = i * 4, c = j * 4;
  const w = Math.max(0, Math.min(b[a + 2], b[c + 2]) - Math.max(b[a], b[c]));
  const h = Math.max(0, Math.min(b[a + 3], b[c + 3]) - Math.max(b[a + 1], b[c + 1]));
  const inter = w * h;
  const union = (b[a + 2] - b[a]) * (b[a + 3] - b[a + 1]) + (b[c + 2] - b[c]) * (b[c + 3] - b[c + 1]) - inter;
  return union > 0 ? inter / union : 0;
}
