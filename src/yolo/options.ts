// The loss's inputs besides tensors: the heads' anchors and strides, and the
// variants of the loss, each documented here where it is defined.

/** One YOLO head, in the same order as the raw head tensors given to the loss. */
export interface YoloScale {
  /** This head's anchors [w, h] in input pixels (after the cfg's mask). */
  anchors: [number, number][];
  /** Input pixels per grid cell, one number or [x, y]; the input is w·stride × h·stride pixels. */
  stride: number | [number, number];
  /**
   * Darknet's scale_x_y (1 for YOLOv3): the centre offset in the cell is
   * sigmoid(t)·scaleXY − (scaleXY − 1)/2, as the decoder uses.
   */
  scaleXY?: number;
}

/**
 * Which anchors a label trains.
 * - 'ratio' (the series' compute_loss): at every scale, the anchor with the
 *   smallest |w/aw − 1| + |h/ah − 1| (label and anchor sizes in input pixels),
 *   kept when that sum is below `ratioThreshold`; so a label may train one
 *   anchor at each of several scales, or none at some.
 * - 'best-iou' (the YOLOv3 paper): exactly one anchor of all scales, the one
 *   whose prior shape has the highest IoU with the label's shape, both centred
 *   at the origin. See assign.ts for why priors, not predictions.
 */
export type AssignRule = 'ratio' | 'best-iou';

/**
 * The box term at assigned cells. Boxes are in grid units of the cell's scale,
 * relative to the cell's top-left corner: prediction (cx, cy, w, h) =
 * (offset(tx), offset(ty), aw·exp(tw), ah·exp(th)) with anchors in grid units
 * (pixels / stride); label = (x·W − i, y·H − j, w·W, h·H) on a W × H grid.
 * - 'mse' (the series): mean over cells and the 2 coordinates of
 *   (offset − label offset)², plus the mean over cells and the 2 sizes of
 *   (w − label w)² divided by `mseWhDivisor` (10): sizes in grid units are
 *   larger than offsets in 0..1, so the series scaled their error down.
 * - 'iou' | 'giou' | 'ciou': the mean over cells of 1 − IoU / GIoU / CIoU of
 *   the two boxes (src/boxes pairedIou).
 */
export type BboxLoss = 'mse' | 'iou' | 'giou' | 'ciou';

/**
 * The objectness target at assigned cells (every other cell's target is 0).
 * - '1': 1.
 * - 'iou': the IoU of the predicted and label boxes (the bboxLoss kind; plain
 *   IoU for 'mse'), detached and clamped to ≥ 0. A cell assigned by two
 *   labels gets the larger.
 */
export type ObjTarget = '1' | 'iou';

export interface LossOptions {
  /** Anchor assignment rule; default 'ratio'. */
  assign?: AssignRule;
  /** 'ratio' keeps an anchor when |w/aw − 1| + |h/ah − 1| < this; default 2 (the series). */
  ratioThreshold?: number;
  /** Box term; default 'mse' (the series). */
  bboxLoss?: BboxLoss;
  /** With bboxLoss 'mse': the squared w, h error (grid units) is divided by this; default 10. */
  mseWhDivisor?: number;
  /** Objectness target at assigned cells; default '1'. */
  objTarget?: ObjTarget;
  /**
   * Objectness BCE weights positives by posWeightFactor · (nPreds − nPosCells) / nPosCells:
   * nPreds counts every prediction (Σ over scales of B·na·h·w), nPosCells the
   * distinct assigned (scale, image, anchor, row, column) cells (1 when there
   * are none). Default 0.5 (the series).
   */
  posWeightFactor?: number;
  /**
   * Darknet's ignore_thresh: an unassigned prediction whose decoded box has
   * IoU above this with any label of its image gets no objectness loss (it
   * is not pushed towards 0; it still counts in the mean). Default null (off;
   * yolov3.cfg uses 0.7).
   */
  ignoreThresh?: number | null;
  /** Class targets become 1 − ε/2 and ε/2 (ultralytics' smooth_BCE); default 0. */
  labelSmoothing?: number;
  /** Multipliers of the three parts in the total (balance); default 1 each (the series). */
  gains?: { box?: number; obj?: number; cls?: number };
}

export type ResolvedLossOptions = Required<Omit<LossOptions, 'gains'>> & { gains: { box: number; obj: number; cls: number } };

const ASSIGN: readonly AssignRule[] = ['ratio', 'best-iou'];
const BBOX: readonly BboxLoss[] = ['mse', 'iou', 'giou', 'ciou'];
const OBJ: readonly ObjTarget[] = ['1', 'iou'];

function oneOf<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new TypeError(`yoloLoss: ${name} must be one of ${allowed.map((v) => `'${v}'`).join(', ')}, got '${value}'`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`yoloLoss: ${name} must be a finite number ≥ 0, got ${value}`);
  return value;
}

/** Fills defaults and checks every option. */
export function resolveLossOptions(o: LossOptions = {}): ResolvedLossOptions {
  const smoothing = nonNegative('labelSmoothing', o.labelSmoothing ?? 0);
  if (smoothing > 1) throw new RangeError(`yoloLoss: labelSmoothing must be ≤ 1, got ${smoothing}`);
  const ignore = o.ignoreThresh ?? null;
  if (ignore !== null) nonNegative('ignoreThresh', ignore);
  const divisor = nonNegative('mseWhDivisor', o.mseWhDivisor ?? 10);
  if (divisor === 0) throw new RangeError('yoloLoss: mseWhDivisor must be > 0');
  return {
    assign: oneOf('assign', o.assign ?? 'ratio', ASSIGN),
    ratioThreshold: nonNegative('ratioThreshold', o.ratioThreshold ?? 2),
    bboxLoss: oneOf('bboxLoss', o.bboxLoss ?? 'mse', BBOX),
    mseWhDivisor: divisor,
    objTarget: oneOf('objTarget', o.objTarget ?? '1', OBJ),
    posWeightFactor: nonNegative('posWeightFactor', o.posWeightFactor ?? 0.5),
    ignoreThresh: ignore,
    labelSmoothing: smoothing,
    gains: {
      box: nonNegative('gains.box', o.gains?.box ?? 1),
      obj: nonNegative('gains.obj', o.gains?.obj ?? 1),
      cls: nonNegative('gains.cls', o.gains?.cls ?? 1),
    },
  };
}

/**
 * Scales from a model's heads (anything with anchors and scaleXY, such as
 * Darknet.heads) and their strides (Darknet.strides()), in the same order.
 */
export function yoloScales(heads: { anchors: [number, number][]; scaleXY?: number }[], strides: (number | [number, number])[]): YoloScale[] {
  if (heads.length !== strides.length) throw new RangeError(`yoloScales: ${heads.length} heads but ${strides.length} strides`);
  return heads.map((h, s) => ({ anchors: h.anchors.map(([w, h]) => [w, h] as [number, number]), stride: strides[s], scaleXY: h.scaleXY ?? 1 }));
}
