// The box and class terms at assigned cells (see options.ts for the
// definitions); both are means over the assigned rows.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { convertBoxes, pairedIou, type IouKind } from '../boxes/index.js';
import type { BboxLoss } from './options.js';
import type { Positives } from './targets.js';

/** IoU of the predicted and label boxes [m] of the given kind (differentiable). */
export function positiveIou(p: Positives, kind: IouKind): Tensor {
  return torch.tidy(() => pairedIou(convertBoxes(p.pbox, 'xywh', 'xyxy'), convertBoxes(p.tbox, 'xywh', 'xyxy'), kind, { validate: false }));
}

/**
 * The box term and the detached IoU (≥ 0) for objTarget 'iou'.
 * 'mse': mse(offsets) + mse(sizes) / whDivisor, each mse a mean over m × 2 values.
 * 'iou' | 'giou' | 'ciou': mean of 1 − IoU over the m rows.
 */
export function boxLoss(p: Positives, kind: BboxLoss, whDivisor: number, wantIou: boolean): { loss: Tensor; iou: Tensor | null } {
  return torch.tidy(() => {
    if (kind === 'mse') {
      const xy = torch.F.mseLoss(p.pbox.slice(1, 0, 2), p.tbox.slice(1, 0, 2));
      const wh = torch.F.mseLoss(p.pbox.slice(1, 2, 4), p.tbox.slice(1, 2, 4)).div(whDivisor);
      const iou = wantIou ? torch.noGrad(() => positiveIou(p, 'iou').clamp(0, null)) : null;
      return { loss: xy.add(wh), iou };
    }
    const iou = positiveIou(p, kind);
    const detached = wantIou ? iou.detach().clamp(0, null) : null;
    return { loss: iou.rsub(1).mean(), iou: detached };
  });
}

/** BCE-with-logits of the class logits against one-hot targets (smoothed: 1 − ε/2 and ε/2), mean over m × nc. */
export function classLoss(p: Positives, smoothing: number): Tensor {
  return torch.tidy(() => {
    const nc = p.clsLogits.shape[1];
    let target = torch.F.oneHot(p.cls, nc).to(p.clsLogits.dtype);
    if (smoothing > 0) target = target.mul(1 - smoothing).add(smoothing / 2);
    return torch.F.binaryCrossEntropyWithLogits(p.clsLogits, target);
  });
}
