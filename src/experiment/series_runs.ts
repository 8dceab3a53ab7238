// The five runs of the series' study (part 6: box loss, objectness target,
// anchor assignment), each named <bbox-loss>-<obj-target>-<assign>, and
// the three comparisons its Figures 2–4 draw. The rest of every run's
// settings are the series' own (src/train/options.ts, SERIES_PRESET).
import type { AssignRule, BboxLoss, LossForm, ObjTarget } from '../yolo/index.js';

export interface SeriesRun {
  name: string;
  bboxLoss: BboxLoss;
  objTarget: ObjTarget;
  assign: AssignRule;
  /** 'series' (its compute_loss / compute_loss2 aggregation) for the study's runs. */
  lossForm: LossForm;
  /**
   * The series' clamp of predicted w, h to the grid (--wh-clamp); absent: on.
   * Off for the fix: with it, the paper's rule stalls at mAP@0.5 0.42 here
   * (its large boxes overshoot the 13×13 grid at the LR peak and the clamp
   * passes no gradient to bring them back; docs/experiments/series.md).
   */
  whClamp?: boolean;
  /** What this run stands for in the series. */
  role: string;
}

export const SERIES_RUNS: readonly SeriesRun[] = [
  { name: 'iou-iou-ratio', bboxLoss: 'iou', objTarget: 'iou', assign: 'ratio', lossForm: 'series', role: "the series' best: 1 − IoU, IoU target, compute_loss" },
  { name: 'mse-iou-ratio', bboxLoss: 'mse', objTarget: 'iou', assign: 'ratio', lossForm: 'series', role: 'box loss MSE (experiment 1)' },
  { name: 'iou-1-ratio', bboxLoss: 'iou', objTarget: '1', assign: 'ratio', lossForm: 'series', role: 'objectness target 1 (experiment 2)' },
  { name: 'iou-iou-pred-iou', bboxLoss: 'iou', objTarget: 'iou', assign: 'pred-iou', lossForm: 'series', role: "the series' compute_loss2 (experiment 3)" },
  { name: 'iou-iou-best-iou', bboxLoss: 'iou', objTarget: 'iou', assign: 'best-iou', lossForm: 'series', whClamp: false, role: "one anchor of nine by prior-shape IoU, sizes unclamped (the paper's rule as darknet runs it; the fix)" },
];

/**
 * Runs beyond the study, named with --runs: the series' best run with our
 * loss form (one mean over all predictions, yolo/loss_form.ts), to measure
 * which form trains better; compute_loss2 without the series' clamp, to see
 * whether the clamp is part of what stops it; the fix with the clamp.
 */
export const EXTRA_RUNS: readonly SeriesRun[] = [
  { name: 'iou-iou-ratio-mean', bboxLoss: 'iou', objTarget: 'iou', assign: 'ratio', lossForm: 'mean', role: "the series' best with our mean loss form" },
  { name: 'iou-iou-pred-iou-unclamped', bboxLoss: 'iou', objTarget: 'iou', assign: 'pred-iou', lossForm: 'series', whClamp: false, role: "the series' compute_loss2 without its w, h clamp" },
  { name: 'iou-iou-best-iou-clamped', bboxLoss: 'iou', objTarget: 'iou', assign: 'best-iou', lossForm: 'series', role: "the paper's rule with the series' w, h clamp" },
];

export interface Comparison {
  title: string;
  /** The series' figure this one redraws. */
  figure: string;
  runs: string[];
  /** Also plot the loss parts per epoch. */
  lossParts: boolean;
  file: string;
  /** Drawn only when one of its extra runs and one other exist (comparisons with an extra run). */
  optional?: boolean;
}

export const SERIES_COMPARISONS: readonly Comparison[] = [
  { title: 'Box loss: 1 − IoU vs MSE', figure: 'Figure 2', runs: ['iou-iou-ratio', 'mse-iou-ratio'], lossParts: false, file: 'fig-box-loss.png' },
  { title: 'Objectness target: IoU vs 1', figure: 'Figure 3', runs: ['iou-iou-ratio', 'iou-1-ratio'], lossParts: true, file: 'fig-obj-target.png' },
  { title: 'Assignment: ratio vs pred-iou (compute_loss2) vs best-iou', figure: 'Figure 4', runs: ['iou-iou-ratio', 'iou-iou-pred-iou', 'iou-iou-best-iou'], lossParts: true, file: 'fig-assign.png' },
  { title: 'The series\' w, h clamp: compute_loss2 and the fix with and without it', figure: 'not in the series', runs: ['iou-iou-pred-iou', 'iou-iou-pred-iou-unclamped', 'iou-iou-best-iou', 'iou-iou-best-iou-clamped'], lossParts: false, file: 'fig-clamp.png', optional: true },
  { title: 'Loss form: the series\' sums of per-scale means vs one mean', figure: 'not in the series', runs: ['iou-iou-ratio', 'iou-iou-ratio-mean'], lossParts: true, file: 'fig-loss-form.png', optional: true },
];

/** The runs named in `names` (the study's five when undefined), in order; an unknown name is an error. */
export function selectRuns(names?: string[]): SeriesRun[] {
  if (!names || names.length === 0) return [...SERIES_RUNS];
  const all = [...SERIES_RUNS, ...EXTRA_RUNS];
  const unknown = names.filter((n) => !all.some((r) => r.name === n));
  if (unknown.length) throw new Error(`unknown run(s) ${unknown.join(', ')}; the runs are ${all.map((r) => r.name).join(', ')}`);
  return all.filter((r) => names.includes(r.name));
}

/** A run by name, of the study or the extra ones. */
export function seriesRun(name: string): SeriesRun | undefined {
  return [...SERIES_RUNS, ...EXTRA_RUNS].find((r) => r.name === name);
}
