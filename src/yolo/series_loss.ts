// The series' aggregation of the loss (LossOptions.lossForm 'series', as
// loss_form.ts documents it): its compute_loss, or its compute_loss2 when the
// assignment is 'pred-iou', written from its text
// (docs/experiments/series-protocol.md sections 5 and 6): every part a sum
// over scales of that scale's means.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Assignment } from './assign.js';
import { positiveIou } from './box_loss.js';
import { classLoss } from './class_loss.js';
import type { ResolvedLossOptions } from './options.js';
import { cellRows, gatherRows, rowsOf, type CellRows, type Positives } from './positives.js';
import type { YoloScale } from './scale.js';

export interface SeriesParts {
  box: Tensor;
  obj: Tensor;
  cls: Tensor;
}

/**
 * The series' pos_weight: factor · (P − N) / max(N, 1), P = Σ na·h·w over the
 * scales for ONE image (the batch size does not enter), N = the batch's
 * labels. max(N, 1): the series divides by N (ZeroDivisionError without
 * labels); with no labels every target is 0 and pos_weight has no effect.
 */
export function seriesPosWeight(heads: Tensor[], nLabels: number, factor: number): number {
  const perImage = heads.reduce((sum, h) => sum + h.shape[1] * h.shape[2] * h.shape[3], 0);
  return ((perImage - nLabels) / Math.max(nLabels, 1)) * factor; // the series' order of operations
}

/**
 * One scale's objectness: the mean BCE over its B·na·h·w logits, target 0
 * except at the rows' cells (1, or `values`). Two rows on one cell: the later
 * row's value, as the series' index_put without accumulate leaves it on the
 * CPU; chosen here on the host, so every device agrees.
 */
function scaleObjectness(head: Tensor, cells: CellRows, values: Tensor | null, posWeight: Tensor): Tensor {
  return torch.tidy(() => {
    const [b, na, h, w] = head.shape;
    const dev = head.device as torch.Device;
    const logits = head.select(4, 4).reshape([-1]);
    const target = torch.zeros([b * na * h * w], { dtype: head.dtype, device: dev });
    if (cells.n.length > 0) {
      const last = new Map<number, number>(); // cell position -> last row on it
      cells.b.forEach((bb, k) => last.set(((bb * na + cells.a[k]) * h + cells.j[k]) * w + cells.i[k], k));
      const pos = torch.tensor([...last.keys()], { dtype: 'int64', device: dev });
      const rows = torch.tensor([...last.values()], { dtype: 'int64', device: dev });
      target.indexPut_([pos], values ? values.index(rows).to(head.dtype) : 1);
    }
    return torch.F.binaryCrossEntropyWithLogits(logits, target, { posWeight, reduction: 'mean' });
  });
}

/** The running MSE sums of the series' 'mse' box loss, carried from scale to scale. */
interface RunningMse {
  xy: Tensor;
  wh: Tensor;
}

/**
 * `box` plus one labelled scale's box terms, added in the series' order:
 * with 'mse' the running sums (this scale's terms added to them first); then
 * mean(1 − IoU) with 'iou', and also under 'mse' with objTarget 'iou' when
 * this is compute_loss (not compute_loss2, `compute2`).
 */
function addScaleBox(box: Tensor, p: Positives, iou: Tensor | null, run: RunningMse, o: ResolvedLossOptions, compute2: boolean): Tensor {
  let out = box;
  if (o.bboxLoss === 'mse') {
    run.xy = run.xy.add(torch.F.mseLoss(p.pbox.slice(1, 0, 2), p.tbox.slice(1, 0, 2)));
    run.wh = run.wh.add(torch.F.mseLoss(p.pbox.slice(1, 2, 4), p.tbox.slice(1, 2, 4)).div(o.mseWhDivisor));
    out = out.add(run.xy.add(run.wh));
  }
  if (iou && (o.bboxLoss === 'iou' || (!compute2 && o.objTarget === 'iou'))) out = out.add(iou.rsub(1).mean());
  return out;
}

/**
 * The three parts of the series' loss for an assignment already made
 * (ratio / best-iou: compute_loss's aggregation; pred-iou: compute_loss2's).
 * `labels` on the heads' device and dtype; `nLabels` its rows.
 */
export function seriesLoss(heads: Tensor[], labels: Tensor, asg: Assignment, scales: YoloScale[], o: ResolvedLossOptions, nLabels: number): SeriesParts {
  return torch.tidy(() => {
    const opts = { dtype: heads[0].dtype, device: heads[0].device as torch.Device };
    const posWeight = torch.tensor([seriesPosWeight(heads, nLabels, o.posWeightFactor)], opts);
    const compute2 = o.assign === 'pred-iou';
    const needIou = o.bboxLoss === 'iou' || o.objTarget === 'iou';
    const zero = () => torch.zeros([], opts);
    const run: RunningMse = { xy: zero(), wh: zero() };
    let [box, obj, cls] = [zero(), zero(), zero()];
    heads.forEach((head, s) => {
      const cells = cellRows(asg, rowsOf(asg, s));
      const p = cells.n.length > 0 ? gatherRows(head, labels, cells, scales[s], 'series', o.whClamp) : null;
      const iou = p && needIou ? positiveIou(p, 'iou') : null;
      const target = o.objTarget === 'iou' && iou ? iou.detach().clamp(0, null) : null;
      obj = obj.add(scaleObjectness(head, cells, target, posWeight)); // every scale, labelled or not
      if (!p) return;
      box = addScaleBox(box, p, iou, run, o, compute2);
      cls = cls.add(classLoss(p, o.labelSmoothing));
    });
    return { box, obj, cls };
  });
}
