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
 * `limit`: only the first `limit` kept are wanted (maxDetections); each
 * class stops once it has kept that many (those after could never be among
 * the first `limit` overall), which bounds the work at a flood of candidates.
 */
export function greedyNms(boxes: FlatBoxes, order: ArrayLike<number>, iouThreshold: number, classes?: ArrayLike<number>, limit = Infinity): number[] {
  const run = (o: ArrayLike<number>) => (boxes instanceof Float32Array ? greedy32(boxes, o, iouThreshold, limit) : greedy64(boxes, o, iouThreshold, limit));
  if (!classes) return run(order);
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
    for (const i of run(list)) kept.push(i);
  }
  return kept.sort((x, y) => position[x] - position[y]).slice(0, limit);
}

/** Coordinates and areas gathered in visiting order, so the inner loop reads memory in sequence. */
function gather<A extends Float32Array | Float64Array>(b: FlatBoxes, order: ArrayLike<number>, make: (n: number) => A, area: (w: number, h: number) => number) {
  const n = order.length;
  const x1 = make(n), y1 = make(n), x2 = make(n), y2 = make(n), ar = make(n);
  for (let p = 0; p < n; p++) {
    const o = order[p] * 4;
    x1[p] = b[o]; y1[p] = b[o + 1]; x2[p] = b[o + 2]; y2[p] = b[o + 3];
    ar[p] = area(x2[p] - x1[p], y2[p] - y1[p]);
  }
  return { n, x1, y1, x2, y2, ar };
}

function greedy32(b: Float32Array, order: ArrayLike<number>, thr: number, limit: number): number[] {
  const f = Math.fround;
  const { n, x1, y1, x2, y2, ar } = gather(b, order, (k) => new Float32Array(k), (w, h) => f(f(w) * f(h)));
  const suppressed = new Uint8Array(n);
  // A pair with no overlap has IoU 0 (or 0/0): never above a threshold >= 0.
  const skipDisjoint = thr >= 0;
  const kept: number[] = [];
  for (let p = 0; p < n; p++) {
    if (suppressed[p]) continue;
    kept.push(order[p]);
    if (kept.length >= limit) break;
    const ix1 = x1[p], iy1 = y1[p], ix2 = x2[p], iy2 = y2[p], ia = ar[p];
    for (let q = p + 1; q < n; q++) {
      if (suppressed[q]) continue;
      const w = f(Math.min(ix2, x2[q]) - Math.max(ix1, x1[q]));
      if (w <= 0 && skipDisjoint) continue;
      const h = f(Math.min(iy2, y2[q]) - Math.max(iy1, y1[q]));
      if (h <= 0 && skipDisjoint) continue;
      const inter = f(Math.max(0, w) * Math.max(0, h));
      // (ia + area) - inter, each step rounded as C++ float arithmetic does.
      if (f(inter / f(f(ia + ar[q]) - inter)) > thr) suppressed[q] = 1;
    }
  }
  return kept;
}

function greedy64(b: Float64Array | readonly number[], order: ArrayLike<number>, thr: number, limit: number): number[] {
  const { n, x1, y1, x2, y2, ar } = gather(b, order, (k) => new Float64Array(k), (w, h) => w * h);
  const suppressed = new Uint8Array(n);
  const skipDisjoint = thr >= 0;
  const kept: number[] = [];
  for (let p = 0; p < n; p++) {
    if (suppressed[p]) continue;
    kept.push(order[p]);
    if (kept.length >= limit) break;
    const ix1 = x1[p], iy1 = y1[p], ix2 = x2[p], iy2 = y2[p], ia = ar[p];
    for (let q = p + 1; q < n; q++) {
      if (suppressed[q]) continue;
      const w = Math.min(ix2, x2[q]) - Math.max(ix1, x1[q]);
      if (w <= 0 && skipDisjoint) continue;
      const h = Math.min(iy2, y2[q]) - Math.max(iy1, y1[q]);
      if (h <= 0 && skipDisjoint) continue;
      const inter = Math.max(0, w) * Math.max(0, h);
      if (inter / (ia + ar[q] - inter) > thr) suppressed[q] = 1;
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
