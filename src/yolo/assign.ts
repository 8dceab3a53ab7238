// Anchor assignment: which (scale, anchor, cell) each label trains, as the
// seed's six index columns (s, n, b, a, i, j). Runs on plain numbers (labels
// are few); every float step is rounded to float32 with Math.fround when the
// labels are float32, so ties and cell borders fall exactly as in PyTorch.
// 'pred-iou' also reads the heads: pred_iou.ts computes its few IoUs on the
// heads' device and hands them here as plain numbers.
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
 * - 'pred-iou' (the series' compute_loss2 / select_anchor): exactly one
 *   anchor of all scales, chosen from the network's CURRENT predictions and
 *   so re-chosen at every step. At every scale, the cell of the label's
 *   centre (clamped floor, as every rule) and the IoU, in grid units,
 *   between the label box (centre offset x·W − floor(x·W), unclamped as the
 *   series', so a label at x = 1 has offset 0; size w·W, h·H) and each of
 *   that cell's na predicted boxes (offset(t), anchor·exp(t) with the sizes
 *   clamped to [0, max(W, H)]); the best anchor of each scale, then the
 *   scale with the highest best IoU; first on ties (torch.max), so a label
 *   whose IoUs are all 0 trains scale 0, anchor 0. The IoUs come from
 *   pred_iou.ts predictedIous (assignAnchors' `ious`). This measure is the
 *   rule's, under either lossForm; the loss then measures the chosen boxes
 *   as its form does (loss_form.ts). ratioThreshold is not read.
 */
export const ASSIGN_RULES = ['ratio', 'best-iou', 'pred-iou'] as const;
export type AssignRule = (typeof ASSIGN_RULES)[number];

/** 'pred-iou''s input: [scale][label][anchor] the IoU of the label with that anchor's current prediction in its cell. */
export type PredictedIous = number[][][];

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
 * highest IoU with the label's shape. The series' compute_loss2 ('pred-iou')
 * instead takes the anchor whose current predicted box overlaps the label
 * most: the choice then follows the network's own, initially random, outputs
 * and may change from step to step, turning last step's positive into a
 * negative (the series reports that it stops improving; why is issue 13's
 * diagnostic, not settled here). Priors are fixed, so a label always trains
 * the same anchor and that anchor specialises in its shape, as the paper
 * intends.
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

/** torch.max's order: NaN is the largest; otherwise strictly greater (so the first maximum wins). */
function beats(v: number, best: number): boolean {
  return v > best || (Number.isNaN(v) && !Number.isNaN(best));
}

/** Index of the first maximum, as torch.max(dim)'s. */
function firstMax(values: number[]): [number, number] {
  let k = 0;
  for (let q = 1; q < values.length; q++) if (beats(values[q], values[k])) k = q;
  return [k, values[k]];
}

/** 'pred-iou': per scale the anchor of the best IoU, then the scale of the best of those (first on ties). */
function predIouChoice(n: number, ious: PredictedIous): [number, number] {
  const best = ious.map((perScale) => firstMax(perScale[n]));
  const [s] = firstMax(best.map(([, v]) => v));
  return [s, best[s][0]];
}

/** What a rule reads about one label (n, of gw x gh input pixels) besides the scales. */
interface RuleInput {
  n: number;
  gw: number;
  gh: number;
  scales: YoloScale[];
  ratioThreshold: number;
  f: Round;
  ious?: PredictedIous;
}

/** A rule: the (scale, anchor) pairs a label trains. */
type Rule = (r: RuleInput) => [number, number][];

const RULES: Record<AssignRule, Rule> = {
  ratio: ({ gw, gh, scales, ratioThreshold, f }) => scales.flatMap((scale, s): [number, number][] => {
    const a = ratioChoice(gw, gh, scale.anchors, ratioThreshold, f);
    return a >= 0 ? [[s, a]] : [];
  }),
  'best-iou': ({ gw, gh, scales, f }) => [bestIouChoice(gw, gh, scales, f)],
  'pred-iou': ({ n, ious }) => [predIouChoice(n, ious as PredictedIous)],
};

/** The cell index along one axis of `cells` cells: floor(x · cells) clamped to 0..cells−1 (f: the labels' rounding). */
export function cellIndex(x: number, cells: number, f: Round = (v) => v): number {
  return Math.min(Math.max(Math.floor(f(x * cells)), 0), cells - 1);
}

/**
 * Builds the (s, n, b, a, i, j) rows for the labels (ratioThreshold:
 * LossOptions', read by 'ratio' only; ious: pred_iou.ts predictedIous,
 * required by 'pred-iou' only).
 */
export function assignAnchors(labels: LabelRows, grids: Grid[], scales: YoloScale[], rule: AssignRule, ratioThreshold: number, ious?: PredictedIous): Assignment {
  if (grids.length !== scales.length) throw new RangeError(`yoloLoss: ${grids.length} heads but ${scales.length} scales`);
  const choose = RULES[rule];
  if (!choose) throw new TypeError(`assignAnchors: rule must be one of ${ASSIGN_RULES.join(', ')}, got '${rule}'`);
  if (rule === 'pred-iou' && labels.count > 0 && ious?.length !== scales.length) throw new TypeError("assignAnchors: 'pred-iou' needs the predictions' IoUs per scale (pred_iou.ts predictedIous)");
  const f: Round = labels.float32 ? Math.fround : (x) => x;
  const { width, height } = inputSize(grids, scales);
  const out = emptyAssignment();
  const row = (k: number, c: number) => labels.data[k * 6 + c];
  // Label sizes in input pixels, as the anchors.
  const size = (k: number): [number, number] => [f(row(k, 3) * width), f(row(k, 4) * height)];
  const chosen: [number, number][][] = scales.map(() => []); // per scale: [n, a]
  for (let n = 0; n < labels.count; n++) {
    const [gw, gh] = size(n);
    for (const [s, a] of choose({ n, gw, gh, scales, ratioThreshold, f, ious })) chosen[s].push([n, a]);
  }
  chosen.forEach((pairs, s) => {
    const { h, w } = grids[s];
    for (const [n, a] of pairs) {
      out.s.push(s);
      out.n.push(n);
      out.b.push(row(n, 0));
      out.a.push(a);
      out.i.push(cellIndex(row(n, 1), w, f));
      out.j.push(cellIndex(row(n, 2), h, f));
    }
  });
  return out;
}
