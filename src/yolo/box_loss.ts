// The box term at assigned cells: each variant defined, documented and
// implemented here, a mean over the assigned rows.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { convertBoxes, pairedIou, type IouKind } from '../boxes/index.js';
import type { ResolvedLossOptions } from './options.js';
import type { Positives } from './positives.js';

/**
 * The box term (LossOptions.bboxLoss). Boxes are in grid units of the cell's
 * scale, relative to the cell's top-left corner: prediction (cx, cy, w, h) =
 * (offset(tx), offset(ty), aw·exp(tw), ah·exp(th)) with anchors in grid units
 * (pixels / stride; decode.ts); label = (x·W − i, y·H − j, w·W, h·H) on a
 * W × H grid.
 * - 'mse' (the series): mean over cells and the 2 coordinates of
 *   (offset − label offset)², plus the mean over cells and the 2 sizes of
 *   (w − label w)² divided by `mseWhDivisor` (10): sizes in grid units are
 *   larger than offsets in 0..1, so the series scaled their error down.
 * - 'iou' | 'giou' | 'ciou': the mean over cells of 1 − IoU / GIoU / CIoU of
 *   the two boxes (src/boxes pairedIou).
 * A new variant is an entry here and its implementation in BOX_LOSSES.
 */
export const BBOX_LOSSES = ['mse', 'iou', 'giou', 'ciou'] as const;
export type BboxLoss = (typeof BBOX_LOSSES)[number];

interface BoxLossKind {
  /** The term, differentiable: a mean over the m assigned rows. */
  loss(p: Positives, o: ResolvedLossOptions): Tensor;
  /** The overlap that objTarget 'iou' takes as the objectness target with this box loss. */
  iou: IouKind;
}

/** IoU of the predicted and label boxes [m] of the given kind (differentiable). */
export function positiveIou(p: Positives, kind: IouKind): Tensor {
  return torch.tidy(() => pairedIou(convertBoxes(p.pbox, 'xywh', 'xyxy'), convertBoxes(p.tbox, 'xywh', 'xyxy'), kind, { validate: false }));
}

const overlapLoss = (kind: IouKind): BoxLossKind => ({ loss: (p) => positiveIou(p, kind).rsub(1).mean(), iou: kind });

export const BOX_LOSSES: Record<BboxLoss, BoxLossKind> = {
  mse: {
    loss(p, o) {
      const xy = torch.F.mseLoss(p.pbox.slice(1, 0, 2), p.tbox.slice(1, 0, 2));
      return xy.add(torch.F.mseLoss(p.pbox.slice(1, 2, 4), p.tbox.slice(1, 2, 4)).div(o.mseWhDivisor));
    },
    iou: 'iou',
  },
  iou: overlapLoss('iou'),
  giou: overlapLoss('giou'),
  ciou: overlapLoss('ciou'),
};

/** The box term of o.bboxLoss at the assigned rows. */
export function boxLoss(p: Positives, o: ResolvedLossOptions): Tensor {
  return torch.tidy(() => BOX_LOSSES[o.bboxLoss].loss(p, o));
}
