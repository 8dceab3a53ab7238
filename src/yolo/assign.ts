// Anchor assignment: which (scale, anchor, cell) each label trains, as the
// seed's six index columns (s, n, b, a, i, j). Runs on plain numbers (labels
// are few); every float step is rounded to float32 with Math.fround when the
// labels are float32, so ties and cell borders fall exactly as in PyTorch.
import { inputSize, type Grid, type YoloScale } from './scale.js';

/**
 * Which anchors a label trains (LossOptions.assign), each rule implemented
 * in RULES below.
 * - 'ratio' (the series' compute_loss): at every scale, the anchor with the
 *   smallest |w/aw − 1| + |h/ah − 1| (label and anchor sizes in input pixels),
 *   kept when that sum is below `ratioThreshold`; so a label may train one
 *   anchor at each of several scales, or none at some.
 * - 'best-iou' (the YOLOv3 paper): exactly one anchor of all scales, the one
 *   whose prior shape has the highest IoU with the label's shape, both centred
 *   at the origin. See bestIouChoice for why priors, not predictions.
 */
export const ASSIGN_RULES = ['ratio', 'best-iou'] as const;
export type AssignRule = (typeof ASSIGN_RULES)[number];

/**
 * One row per (label, anchor) pair that trains, sorted by scale then label:
 * - s: scale, the index of the head (in the order the heads are given);
 * - n: label, its row in the labels tensor;
 * - b: image in the batch (the label's batch_idx);
 * - a: anchor within scale s;
 * - i: cell column, floor(x · w) (x, the horizontal axis), clamped to 0..w−1;
 * - j: cell row, floor(y · h) (y, the vertical axis), clamped to 0..h−1.
 * The prediction trained is heads[s][b, a, j, i] (row before column, as the
 * seed's yhat[b, a, j, i]).
 */
export interface Assignment {
  s: number[];
  n: number[];
  b: number[];
  a: number[];
  i: number[];
  j: number[];
}

type Round = (x: number) => number;

/** Labels [N, 6] as a flat array: batch_idx, x, y, w, h, cls per row. */
export interface LabelRows {
  data: ArrayLike<number>;
  count: number;
  /** True for float32 labels: arithmetic is rounded to float32 as PyTorch does. */
  float32: boolean;
}

function emptyAssignment(): Assignment {
  return { s: [], n: [], b: [], a: [], i: [], j: [] };
}

/** Anchor per (label, scale) chosen by the 'ratio' rule, or −1 when none is below the threshold. */
function ratioChoice(gw: number, gh: number, anchors: [number, number][], threshold: number, f: Round): number {
  let best = -1;
  let bestR = Infinity;
  anchors.forEach(([aw, ah], a) => {
    const r = f(Math.abs(f(f(gw / f(aw)) - 1)) + Math.abs(f(f(gh / f(ah)) - 1)));
    if (r < bestR) [best, bestR] = [a, r]; // first minimum wins, as argmin
  });
  return bestR < threshold ? best : -1;
}

/** IoU of two boxes of the given sizes centred at the same point. */
function shapeIou(gw: number, gh: number, aw: number, ah: number, f: Round): number {
  const inter = f(Math.min(gw, aw) * Math.min(gh, ah));
  const union = f(f(f(gw * gh) + f(aw * ah)) - inter);
  return union > 0 ? f(inter / union) : 0;
}

/**
 * The paper's rule: the one anchor of all scales whose prior shape has the
 * highest IoU with the label's shape. The series (compute_loss2) instead took
 * the anchor whose current predicted box overlapped the label most: the
 * choice then follows the network's own, initially random, outputs and
 * changes from step to step, so each label keeps training a different anchor
 * (and pushing the previous one's objectness back to 0) and nothing
 * converges. Priors are fixed, so a label always trains the same anchor and
 * that anchor specialises in its shape, as the paper intends.
 */
function bestIouChoice(gw: number, gh: number, scales: YoloScale[], f: Round): [number, number] {
  let best: [number, number] = [0, 0];
  let bestIou = -1;
  scales.forEach((scale, s) =>
    scale.anchors.forEach(([aw, ah], a) => {
      const iou = shapeIou(gw, gh, f(aw), f(ah), f);
      if (iou > bestIou) [best, bestIou] = [[s, a], iou]; // first maximum wins, as argmax
    }),
  );
  return best;
}

/** A rule: the (scale, anchor) pairs a label of gw x gh input pixels trains. */
type Rule = (gw: number, gh: number, scales: YoloScale[], ratioThreshold: number, f: Round) => [number, number][];

const RULES: Record<AssignRule, Rule> = {
  ratio: (gw, gh, scales, threshold, f) => scales.flatMap((scale, s): [number, number][] => {
    const a = ratioChoice(gw, gh, scale.anchors, threshold, f);
    return a >= 0 ? [[s, a]] : [];
  }),
  'best-iou': (gw, gh, scales, _threshold, f) => [bestIouChoice(gw, gh, scales, f)],
};

/** Builds the (s, n, b, a, i, j) rows for the labels (ratioThreshold: LossOptions', read by 'ratio' only). */
export function assignAnchors(labels: LabelRows, grids: Grid[], scales: YoloScale[], rule: AssignRule, ratioThreshold: number): Assignment {
  if (grids.length !== scales.length) throw new RangeError(`yoloLoss: ${grids.length} heads but ${scales.length} scales`);
  const choose = RULES[rule];
  if (!choose) throw new TypeError(`assignAnchors: rule must be one of ${ASSIGN_RULES.join(', ')}, got '${rule}'`);
  const f: Round = labels.float32 ? Math.fround : (x) => x;
  const { width, height } = inputSize(grids, scales);
  const out = emptyAssignment();
  const row = (k: number, c: number) => labels.data[k * 6 + c];
  // Label sizes in input pixels, as the anchors.
  const size = (k: number): [number, number] => [f(row(k, 3) * width), f(row(k, 4) * height)];
  const chosen: [number, number][][] = scales.map(() => []); // per scale: [n, a]
  for (let n = 0; n < labels.count; n++) {
    const [gw, gh] = size(n);
    for (const [s, a] of choose(gw, gh, scales, ratioThreshold, f)) chosen[s].push([n, a]);
  }
  chosen.forEach((pairs, s) => {
    const { h, w } = grids[s];
    for (const [n, a] of pairs) {
      out.s.push(s);
      out.n.push(n);
      out.b.push(row(n, 0));
      out.a.push(a);
      out.i.push(Math.min(Math.max(Math.floor(f(row(n, 1) * w)), 0), w - 1));
      out.j.push(Math.min(Math.max(Math.floor(f(row(n, 2) * h)), 0), h - 1));
    }
  });
  return out;
}
