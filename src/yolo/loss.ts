// The YOLOv3 loss: loss = box + obj + cls (each times its gain), from the
// raw heads of a darknet model in training mode and the batch's labels. Only
// composes the parts: assignment (assign.ts; pred_iou.ts for 'pred-iou'),
// the predictions and labels at assigned cells (positives.ts), box_loss.ts,
// objectness.ts, class_loss.ts, or the series' aggregation (series_loss.ts;
// loss_form.ts).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { assignAnchors, type Assignment } from './assign.js';
import { boxLoss } from './box_loss.js';
import { classLoss } from './class_loss.js';
import { objectnessLoss } from './objectness.js';
import { resolveLossOptions, type LossOptions, type ResolvedLossOptions } from './options.js';
import { gatherPositives } from './positives.js';
import { predictedIous } from './pred_iou.js';
import type { YoloScale } from './scale.js';
import { seriesLoss, type SeriesParts as LossParts } from './series_loss.js';

export interface LossResult {
  /** gains.box·box + gains.obj·obj + gains.cls·cls; differentiable w.r.t. the heads. */
  total: Tensor;
  /** Box term, mean over the assigned rows (0 when there are none); lossForm 'series': a sum over scales of per-scale terms. */
  box: Tensor;
  /** Objectness term, mean over every prediction of every scale; lossForm 'series': the sum over scales of per-scale means. */
  obj: Tensor;
  /** Class term, mean over the assigned rows and classes (0 when there are none); lossForm 'series': the sum over scales of per-scale means. */
  cls: Tensor;
  /** Assigned (label, anchor) rows: the length of the (s, n, b, a, i, j) columns. */
  nPositives: number;
  /** The assignment itself (plain numbers), for logging and tests. */
  assignment: Assignment;
}

function checkInputs(heads: Tensor[], labels: Tensor, scales: YoloScale[]): void {
  if (heads.length === 0 || heads.length !== scales.length) throw new RangeError(`yoloLoss: ${heads.length} heads but ${scales.length} scales`);
  const [batch, , , , k] = heads[0].shape;
  heads.forEach((h, s) => {
    const shape = h.shape;
    if (shape.length !== 5 || shape[0] !== batch || shape[4] !== k || k < 6) {
      throw new RangeError(`yoloLoss: head ${s} must be [B, na, h, w, 5 + nc] like head 0 ([${heads[0].shape}]), got [${shape}]`);
    }
    if (shape[1] !== scales[s].anchors.length) throw new RangeError(`yoloLoss: head ${s} has ${shape[1]} anchors, scale ${s} lists ${scales[s].anchors.length}`);
  });
  if (labels.ndim !== 2 || labels.shape[1] !== 6) throw new RangeError(`yoloLoss: labels must be [N, 6] (batch_idx, x, y, w, h, cls), got [${labels.shape}]`);
}

/** Throws on a label naming an image outside the batch or a class outside the heads. */
function checkLabelValues(data: ArrayLike<number>, count: number, batch: number, classes: number): void {
  for (let n = 0; n < count; n++) {
    const b = data[n * 6];
    const c = data[n * 6 + 5];
    if (!(Number.isInteger(b) && b >= 0 && b < batch)) throw new RangeError(`yoloLoss: label ${n} has batch_idx ${b}, the batch has ${batch} images`);
    if (!(Number.isInteger(c) && c >= 0 && c < classes)) throw new RangeError(`yoloLoss: label ${n} has class ${c}, the heads have ${classes} classes`);
    for (let q = 1; q < 5; q++) if (!Number.isFinite(data[n * 6 + q])) throw new RangeError(`yoloLoss: label ${n} has a non-finite coordinate`);
  }
}

/** Our aggregation (lossForm 'mean'): one mean per part over all scales. */
function meanLoss(heads: Tensor[], lab: Tensor, assignment: Assignment, scales: YoloScale[], o: ResolvedLossOptions): LossParts {
  const positives = gatherPositives(heads, lab, assignment, scales);
  const zero = () => torch.zeros([], { dtype: heads[0].dtype, device: heads[0].device as torch.Device });
  const box = positives ? boxLoss(positives, o) : zero();
  const cls = positives ? classLoss(positives, o.labelSmoothing) : zero();
  const obj = objectnessLoss(heads, lab, assignment, positives, scales, o);
  return { box, obj, cls };
}

/**
 * The loss of raw heads (one [B, na, h, w, 5 + nc] tensor per scale, in the
 * order of `scales`) against labels [N, 6] = (batch_idx, x, y, w, h, cls),
 * normalised 0..1. Options and their defaults: options.ts (DEFAULT_LOSS).
 * Reads the labels to the host once (for the assignment); everything else
 * stays on the heads' device ('pred-iou' also reads its few IoUs, pred_iou.ts).
 * Zero labels give box = cls = 0 and an objectness term that pushes every
 * prediction towards 0: finite, with finite gradients (in both forms; the
 * series' own code stops there, loss_form.ts).
 */
export function yoloLoss(heads: Tensor[], labels: Tensor, scales: YoloScale[], options: LossOptions = {}): LossResult {
  const o = resolveLossOptions(options);
  checkInputs(heads, labels, scales);
  const dev = heads[0].device as torch.Device;
  const classes = heads[0].shape[4] - 5;
  return torch.tidy(() => {
    const lab = labels.device === dev && labels.dtype === heads[0].dtype ? labels : labels.to({ device: dev, dtype: heads[0].dtype });
    const data = lab.dataSync() as ArrayLike<number>;
    const count = lab.shape[0];
    checkLabelValues(data, count, heads[0].shape[0], classes);
    const grids = heads.map((h) => ({ h: h.shape[2], w: h.shape[3] }));
    const rows = { data, count, float32: lab.dtype === 'float32' };
    // 'pred-iou' reads the heads (N·na cells per scale, one host read); the other rules only the labels
    // pred-iou's choice measures as the series' rule does, clamp included, unless the series form turns it off
    const ious = o.assign === 'pred-iou' ? predictedIous(heads, lab, rows, scales, o.lossForm === 'mean' || o.whClamp) : undefined;
    const assignment = assignAnchors(rows, grids, scales, o.assign, o.ratioThreshold, ious);
    const { box, obj, cls } = o.lossForm === 'series' ? seriesLoss(heads, lab, assignment, scales, o, count) : meanLoss(heads, lab, assignment, scales, o);
    const total = box.mul(o.gains.box).add(obj.mul(o.gains.obj)).add(cls.mul(o.gains.cls));
    return { total, box, obj, cls, nPositives: assignment.s.length, assignment };
  });
}
