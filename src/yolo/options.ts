// The loss's options besides tensors: which variant of each part (each
// variant list is defined and documented with its part: ASSIGN_RULES in
// assign.ts, BBOX_LOSSES in box_loss.ts, OBJ_TARGETS in objectness.ts,
// LOSS_FORMS in loss_form.ts),
// the numbers that tune them, and their one set of defaults.
import { ASSIGN_RULES, type AssignRule } from './assign.js';
import { BBOX_LOSSES, type BboxLoss } from './box_loss.js';
import { checkLossForm, LOSS_FORMS, type LossForm } from './loss_form.js';
import { OBJ_TARGETS, type ObjTarget } from './objectness.js';

export interface LossOptions {
  /** How the parts are aggregated: ours or the series' (loss_form.ts LOSS_FORMS). */
  lossForm?: LossForm;
  /**
   * lossForm 'series' only: clamp the predicted w, h to [0, max(W, H)] grid
   * units as the series does, in the box loss, the IoU target and pred-iou's
   * choice (positives.ts). Past the clamp no gradient flows, so a box that
   * overshoots the grid stays there (docs/experiments/series.md). Default:
   * on with 'series', off (and refused) with 'mean'.
   */
  whClamp?: boolean;
  /** Anchor assignment rule (assign.ts ASSIGN_RULES). */
  assign?: AssignRule;
  /** 'ratio' keeps an anchor when |w/aw − 1| + |h/ah − 1| < this. */
  ratioThreshold?: number;
  /** Box term (box_loss.ts BBOX_LOSSES). */
  bboxLoss?: BboxLoss;
  /** With bboxLoss 'mse': the squared w, h error (grid units) is divided by this. */
  mseWhDivisor?: number;
  /** Objectness target at assigned cells (objectness.ts OBJ_TARGETS). */
  objTarget?: ObjTarget;
  /**
   * Objectness BCE weights positives by posWeightFactor · (nPreds − nPosCells) / nPosCells:
   * nPreds counts every prediction (Σ over scales of B·na·h·w), nPosCells the
   * distinct assigned (scale, image, anchor, row, column) cells (1 when there
   * are none). lossForm 'series' uses the series' counts instead (loss_form.ts).
   */
  posWeightFactor?: number;
  /**
   * Darknet's ignore_thresh: an unassigned prediction whose decoded box has
   * IoU above this with any label of its image gets no objectness loss (it
   * is not pushed towards 0; it still counts in the mean). null: off.
   */
  ignoreThresh?: number | null;
  /** Class targets become 1 − ε/2 and ε/2 (ultralytics' smooth_BCE). */
  labelSmoothing?: number;
  /** Multipliers of the three parts in the total (balance). */
  gains?: { box?: number; obj?: number; cls?: number };
}

export type ResolvedLossOptions = Required<Omit<LossOptions, 'gains' | 'whClamp'>> & { whClamp: boolean; gains: { box: number; obj: number; cls: number } };

/**
 * Every option's default, the only place one is set: yoloLoss fills what is
 * not given from here, and the trainer's DEFAULT_TRAIN (src/train/options.ts)
 * takes its loss defaults from here.
 */
export const DEFAULT_LOSS: Readonly<ResolvedLossOptions> = Object.freeze({
  lossForm: 'mean',
  whClamp: false, // with lossForm 'series': true unless given (resolveLossOptions)
  assign: 'ratio', // the series
  ratioThreshold: 2, // the series
  bboxLoss: 'ciou',
  mseWhDivisor: 10, // the series
  objTarget: 'iou',
  posWeightFactor: 0.5, // the series
  ignoreThresh: null, // off; yolov3.cfg uses 0.7
  labelSmoothing: 0,
  gains: Object.freeze({ box: 1, obj: 1, cls: 1 }), // the series
});

function oneOf<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new TypeError(`yoloLoss: ${name} must be one of ${allowed.map((v) => `'${v}'`).join(', ')}, got '${value}'`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`yoloLoss: ${name} must be a finite number ≥ 0, got ${value}`);
  return value;
}

/** Fills defaults (DEFAULT_LOSS) and checks every option. */
export function resolveLossOptions(o: LossOptions = {}): ResolvedLossOptions {
  const d = DEFAULT_LOSS;
  const smoothing = nonNegative('labelSmoothing', o.labelSmoothing ?? d.labelSmoothing);
  if (smoothing > 1) throw new RangeError(`yoloLoss: labelSmoothing must be ≤ 1, got ${smoothing}`);
  const ignore = o.ignoreThresh === undefined ? d.ignoreThresh : o.ignoreThresh;
  if (ignore !== null) nonNegative('ignoreThresh', ignore);
  const divisor = nonNegative('mseWhDivisor', o.mseWhDivisor ?? d.mseWhDivisor);
  if (divisor === 0) throw new RangeError('yoloLoss: mseWhDivisor must be > 0');
  const bboxLoss = oneOf('bboxLoss', o.bboxLoss ?? d.bboxLoss, BBOX_LOSSES);
  const lossForm = oneOf('lossForm', o.lossForm ?? d.lossForm, LOSS_FORMS);
  const whClamp = o.whClamp ?? lossForm === 'series';
  if (typeof whClamp !== 'boolean') throw new TypeError(`yoloLoss: whClamp must be a boolean, got ${String(whClamp)}`);
  checkLossForm(lossForm, { bboxLoss, ignoreThresh: ignore, whClamp });
  return {
    lossForm,
    whClamp,
    assign: oneOf('assign', o.assign ?? d.assign, ASSIGN_RULES),
    ratioThreshold: nonNegative('ratioThreshold', o.ratioThreshold ?? d.ratioThreshold),
    bboxLoss,
    mseWhDivisor: divisor,
    objTarget: oneOf('objTarget', o.objTarget ?? d.objTarget, OBJ_TARGETS),
    posWeightFactor: nonNegative('posWeightFactor', o.posWeightFactor ?? d.posWeightFactor),
    ignoreThresh: ignore,
    labelSmoothing: smoothing,
    gains: {
      box: nonNegative('gains.box', o.gains?.box ?? d.gains.box),
      obj: nonNegative('gains.obj', o.gains?.obj ?? d.gains.obj),
      cls: nonNegative('gains.cls', o.gains?.cls ?? d.gains.cls),
    },
  };
}
