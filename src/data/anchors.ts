// Anchors from a dataset's box sizes: k-means with 1 - IoU as the distance
// (YOLOv2, section 2 "Dimension Clusters"), refined by ultralytics'
// AutoAnchor genetic evolution (utils/autoanchor.py kmean_anchors), and the
// figures that say how well a set of anchors fits the labels: mean best IoU,
// and best possible recall by ultralytics' ratio metric (a label is
// reachable when some anchor is within `anchor_t` times its width and height).
import { Rng } from './rng.js';
import { rows, type Dataset } from './types.js';

export type Anchor = [number, number];

/** ultralytics' hyp['anchor_t']: an anchor at most 4x larger or smaller than a label, both ways. */
export const ANCHOR_T = 4.0;

/**
 * The labels' [w, h] in pixels as letterboxed training sees them: each image
 * scaled so its longer side is `imgSize` (ultralytics' `img_size * shapes /
 * shapes.max(1)`), interleaved w0, h0, w1, h1, ...
 */
export function labelSizes(ds: Dataset, imgSize: number): Float64Array {
  const out: number[] = [];
  for (const s of ds.samples) {
    if (rows(s.labels) === 0) continue;
    if (!(s.width > 0 && s.height > 0)) throw new Error(`${s.imagePath}: image size unknown (open the dataset with verifyImages)`);
    const k = imgSize / Math.max(s.width, s.height);
    for (let i = 0; i < s.labels.length; i += 5) out.push(s.labels[i + 3] * s.width * k, s.labels[i + 4] * s.height * k);
  }
  return Float64Array.from(out);
}

/** IoU of two boxes of sizes w1 x h1 and w2 x h2 sharing a centre. */
export function whIou(w1: number, h1: number, w2: number, h2: number): number {
  const inter = Math.min(w1, w2) * Math.min(h1, h2);
  return inter / (w1 * h1 + w2 * h2 - inter);
}

/** ultralytics' ratio metric of a label and an anchor: min over w and h of min(r, 1/r). */
function ratioMetric(w: number, h: number, a: Anchor): number {
  const rw = w / a[0], rh = h / a[1];
  return Math.min(rw, 1 / rw, rh, 1 / rh);
}

export interface AnchorFit {
  /** Mean over labels of the best IoU with any anchor. */
  meanIou: number;
  /** Fraction of labels with some anchor past the ratio threshold. */
  bpr: number;
  /** Mean number of anchors past the threshold per label. */
  anchorsPerLabel: number;
}

/** How well `anchors` fit the label sizes `wh` (threshold `anchorT`, as ultralytics' check_anchors). */
export function anchorFit(wh: Float64Array, anchors: readonly Anchor[], anchorT = ANCHOR_T): AnchorFit {
  const n = wh.length / 2;
  if (n === 0) return { meanIou: NaN, bpr: NaN, anchorsPerLabel: NaN };
  let iou = 0, reach = 0, past = 0;
  for (let i = 0; i < n; i++) {
    const w = wh[2 * i], h = wh[2 * i + 1];
    let bestIou = 0, best = 0;
    for (const a of anchors) {
      bestIou = Math.max(bestIou, whIou(w, h, a[0], a[1]));
      const x = ratioMetric(w, h, a);
      best = Math.max(best, x);
      if (x > 1 / anchorT) past++;
    }
    iou += bestIou;
    if (best > 1 / anchorT) reach++;
  }
  return { meanIou: iou / n, bpr: reach / n, anchorsPerLabel: past / n };
}

/** Index of the anchor nearest (highest IoU) to label i. */
function nearest(wh: Float64Array, i: number, anchors: readonly Anchor[]): number {
  let best = -1, arg = 0;
  anchors.forEach((a, j) => {
    const v = whIou(wh[2 * i], wh[2 * i + 1], a[0], a[1]);
    if (v > best) { best = v; arg = j; }
  });
  return arg;
}

/** k-means++ seeding with d = 1 - IoU: each next centre drawn in proportion to d². */
function seedCentres(wh: Float64Array, k: number, rng: Rng): Anchor[] {
  const n = wh.length / 2;
  const first = rng.int(0, n);
  const centres: Anchor[] = [[wh[2 * first], wh[2 * first + 1]]];
  const d2 = new Float64Array(n).fill(Infinity);
  while (centres.length < k) {
    const c = centres[centres.length - 1];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = 1 - whIou(wh[2 * i], wh[2 * i + 1], c[0], c[1]);
      d2[i] = Math.min(d2[i], d * d);
      total += d2[i];
    }
    let pick = rng.random() * total, i = 0;
    while (i < n - 1 && (pick -= d2[i]) >= 0) i++;
    centres.push([wh[2 * i], wh[2 * i + 1]]);
  }
  return centres;
}

export interface KmeansOptions {
  seed?: number;
  maxIterations?: number;
  /** Runs from different seedings; the one of highest mean IoU is kept (default 5: one can stop in a poor local minimum). */
  restarts?: number;
}

/**
 * k-means of the sizes `wh` into `k` anchors with 1 - IoU as the distance
 * (YOLOv2): assign each label to its highest-IoU centre, move each centre to
 * the mean size of its labels, until no label changes centre.
 */
export function kmeansAnchors(wh: Float64Array, k: number, options: KmeansOptions = {}): Anchor[] {
  const n = wh.length / 2;
  if (!(k >= 1) || !Number.isInteger(k)) throw new RangeError(`anchors: n must be a positive integer, got ${k}`);
  if (n < k) throw new RangeError(`anchors: ${n} boxes cannot make ${k} anchors`);
  const rng = new Rng(options.seed ?? 0);
  let best: Anchor[] = [], bestIou = -1;
  for (let r = 0; r < (options.restarts ?? 5); r++) {
    const centres = lloyd(wh, seedCentres(wh, k, rng), options.maxIterations ?? 300);
    const iou = anchorFit(wh, centres).meanIou;
    if (iou > bestIou) { best = centres; bestIou = iou; }
  }
  return sortByArea(best);
}

function lloyd(wh: Float64Array, start: Anchor[], maxIterations: number): Anchor[] {
  const n = wh.length / 2;
  let centres = start;
  const owner = new Int32Array(n).fill(-1);
  for (let it = 0; it < maxIterations; it++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const j = nearest(wh, i, centres);
      if (j !== owner[i]) { owner[i] = j; changed++; }
    }
    if (changed === 0) break;
    const sum = centres.map(() => [0, 0, 0]);
    for (let i = 0; i < n; i++) { const s = sum[owner[i]]; s[0] += wh[2 * i]; s[1] += wh[2 * i + 1]; s[2]++; }
    // an emptied centre restarts at the label it fits worst
    centres = sum.map((s, j): Anchor => (s[2] > 0 ? [s[0] / s[2], s[1] / s[2]] : worstFit(wh, centres, j)));
  }
  return centres;
}

function worstFit(wh: Float64Array, centres: readonly Anchor[], j: number): Anchor {
  let worst = Infinity, arg = 0;
  for (let i = 0; i < wh.length / 2; i++) {
    const v = whIou(wh[2 * i], wh[2 * i + 1], ...centres[nearest(wh, i, centres)]);
    if (v < worst) { worst = v; arg = i; }
  }
  return worst < Infinity ? [wh[2 * arg], wh[2 * arg + 1]] : centres[j];
}

/** ultralytics' anchor_fitness: mean over labels of the best ratio metric, counted where past 1 / anchor_t. */
export function anchorFitness(wh: Float64Array, anchors: readonly Anchor[], anchorT = ANCHOR_T): number {
  const n = wh.length / 2;
  let f = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (const a of anchors) best = Math.max(best, ratioMetric(wh[2 * i], wh[2 * i + 1], a));
    if (best > 1 / anchorT) f += best;
  }
  return n ? f / n : 0;
}

export interface EvolveOptions {
  /** Generations (ultralytics: 1000). */
  generations?: number;
  seed?: number;
  anchorT?: number;
}

/**
 * ultralytics' genetic refinement: each generation multiplies the anchors by
 * a mutation (each value changed with probability 0.9 by a normal factor of
 * sigma 0.1 times a random scale, clipped to 0.3..3; anchors at least 2 px)
 * and keeps it when the fitness rises. Seeded: the same input gives the same anchors.
 */
export function evolveAnchors(wh: Float64Array, anchors: readonly Anchor[], options: EvolveOptions = {}): Anchor[] {
  const rng = new Rng(options.seed ?? 0);
  const anchorT = options.anchorT ?? ANCHOR_T;
  let k = anchors.map((a): Anchor => [a[0], a[1]]);
  let f = anchorFitness(wh, k, anchorT);
  for (let g = 0; g < (options.generations ?? 1000); g++) {
    let v: number[];
    do {
      const scale = rng.random();
      v = Array.from({ length: 2 * k.length }, () => Math.min(3, Math.max(0.3, (rng.random() < 0.9 ? 1 : 0) * scale * rng.normal() * 0.1 + 1)));
    } while (v.every((x) => x === 1)); // mutate until something changes
    const kg = k.map((a, i): Anchor => [Math.max(2, a[0] * v[2 * i]), Math.max(2, a[1] * v[2 * i + 1])]);
    const fg = anchorFitness(wh, kg, anchorT);
    if (fg > f) { f = fg; k = kg; }
  }
  return sortByArea(k);
}

export function sortByArea(anchors: readonly Anchor[]): Anchor[] {
  return [...anchors].sort((a, b) => a[0] * a[1] - b[0] * b[1]);
}

/** Anchors fitted to `wh`: k-means (1 - IoU) on the labels of at least 2 px, then evolved; rounded to whole pixels as a cfg holds them. */
export function fitAnchors(wh: Float64Array, n: number, options: EvolveOptions = {}): Anchor[] {
  const kept: number[] = [];
  for (let i = 0; i < wh.length; i += 2) if (wh[i] >= 2 || wh[i + 1] >= 2) kept.push(wh[i], wh[i + 1]); // as ultralytics: drop labels under 2 px both ways
  const fit = Float64Array.from(kept);
  const start = kmeansAnchors(fit, n, { seed: options.seed });
  return sortByArea(evolveAnchors(fit, start, options).map(([w, h]): Anchor => [Math.max(1, Math.round(w)), Math.max(1, Math.round(h))]));
}

/** darknet's cfg line: `anchors=10,13, 16,30, ...`. */
export function formatAnchors(anchors: readonly Anchor[]): string {
  return `anchors=${anchors.map(([w, h]) => `${Math.round(w)},${Math.round(h)}`).join(', ')}`;
}

/**
 * The one-line warning `yolov3 train` prints when a cfg's anchors leave
 * labels out of reach (best possible recall under 0.98, ultralytics'
 * threshold to recompute), or null when they fit.
 */
export function anchorWarning(ds: Dataset, anchors: readonly Anchor[], imgSize: number, spec = ds.origin): string | null {
  const wh = labelSizes(ds, imgSize);
  if (wh.length === 0) return null;
  const fit = anchorFit(wh, anchors);
  if (fit.bpr >= 0.98) return null;
  return `warning: the cfg's anchors reach ${(fit.bpr * 100).toFixed(1)}% of the ${wh.length / 2} training labels at ${imgSize} px (best possible recall ${fit.bpr.toFixed(4)} < 0.98, ratio ${ANCHOR_T}); 'yolov3 anchors --data ${spec} --img-size ${imgSize}' suggests better ones`;
}
