// The five runs of the series' study (part 6: box loss, objectness target,
// anchor assignment), each named <bbox-loss>-<obj-target>-<assign>, and
// the three comparisons its Figures 2–4 draw. The rest of every run's
// settings are the series' own (src/train/options.ts, SERIES_PRESET).
import type { AssignRule, BboxLoss, ObjTarget } from '../yolo/index.js';

export interface SeriesRun {
  name: string;
  bboxLoss: BboxLoss;
  objTarget: ObjTarget;
  assign: AssignRule;
  /** What this run stands for in the series. */
  role: string;
}

export const SERIES_RUNS: readonly SeriesRun[] = [
  { name: 'iou-iou-ratio', bboxLoss: 'iou', objTarget: 'iou', assign: 'ratio', role: "the series' best: 1 − IoU, IoU target, compute_loss" },
  { name: 'mse-iou-ratio', bboxLoss: 'mse', objTarget: 'iou', assign: 'ratio', role: 'box loss MSE (experiment 1)' },
  { name: 'iou-1-ratio', bboxLoss: 'iou', objTarget: '1', assign: 'ratio', role: 'objectness target 1 (experiment 2)' },
  { name: 'iou-iou-pred-iou', bboxLoss: 'iou', objTarget: 'iou', assign: 'pred-iou' as AssignRule, role: "the series' compute_loss2 (experiment 3)" },
  { name: 'iou-iou-best-iou', bboxLoss: 'iou', objTarget: 'iou', assign: 'best-iou', role: "one anchor of nine by prior-shape IoU (the paper's rule; the fix)" },
];

export interface Comparison {
  title: string;
  /** The series' figure this one redraws. */
  figure: string;
  runs: string[];
  /** Also plot the loss parts per epoch. */
  lossParts: boolean;
  file: string;
}

export const SERIES_COMPARISONS: readonly Comparison[] = [
  { title: 'Box loss: 1 − IoU vs MSE', figure: 'Figure 2', runs: ['iou-iou-ratio', 'mse-iou-ratio'], lossParts: false, file: 'fig-box-loss.png' },
  { title: 'Objectness target: IoU vs 1', figure: 'Figure 3', runs: ['iou-iou-ratio', 'iou-1-ratio'], lossParts: true, file: 'fig-obj-target.png' },
  { title: 'Assignment: ratio vs pred-iou (compute_loss2) vs best-iou', figure: 'Figure 4', runs: ['iou-iou-ratio', 'iou-iou-pred-iou', 'iou-iou-best-iou'], lossParts: true, file: 'fig-assign.png' },
];

/** The runs named in `names` (all when undefined), in the study's order; an unknown name is an error. */
export function selectRuns(names?: string[]): SeriesRun[] {
  if (!names || names.length === 0) return [...SERIES_RUNS];
  const known = new Map(SERIES_RUNS.map((r) => [r.name, r]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) throw new Error(`unknown run(s) ${unknown.join(', ')}; the runs are ${SERIES_RUNS.map((r) => r.name).join(', ')}`);
  return SERIES_RUNS.filter((r) => names.includes(r.name));
}
