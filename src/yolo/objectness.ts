// The objectness term: BCE-with-logits over every prediction of every scale,
// target 0 except at assigned cells (the target there chosen here, by
// objTarget), positives weighted up by pos_weight, and darknet's
// ignore_thresh optionally sparing near-hits from being pushed to 0.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { convertBoxes, iouMatrix } from '../boxes/index.js';
import type { Assignment } from './assign.js';
import { BOX_LOSSES, positiveIou } from './box_loss.js';
import { decodeBoxes } from './decode.js';
import type { ResolvedLossOptions } from './options.js';
import type { Positives } from './positives.js';
import type { YoloScale } from './scale.js';

/**
 * The objectness target at assigned cells (LossOptions.objTarget; every other
 * cell's target is 0), each implemented in TARGETS below.
 * - '1': 1.
 * - 'iou': the IoU of the predicted and label boxes (the bboxLoss kind; plain
 *   IoU for 'mse': BOX_LOSSES[bboxLoss].iou), detached and clamped to ≥ 0.
 * A cell assigned by two labels gets the larger.
 */
export const OBJ_TARGETS = ['1', 'iou'] as const;
export type ObjTarget = (typeof OBJ_TARGETS)[number];

const TARGETS: Record<ObjTarget, (p: Positives, o: ResolvedLossOptions) => Tensor> = {
  '1': (p) => torch.ones([p.pbox.shape[0]], { dtype: p.clsLogits.dtype, device: p.pbox.device as torch.Device }),
  iou: (p, o) => torch.noGrad(() => positiveIou(p, BOX_LOSSES[o.bboxLoss].iou).clamp(0, null)),
};

/** Flat positions of the assigned cells in the concatenation of all heads' [B, na, h, w] (row-major). */
export function cellPositions(heads: Tensor[], asg: Assignment): number[] {
  const offsets: number[] = [];
  let total = 0;
  for (const h of heads) {
    offsets.push(total);
    const [b, na, gh, gw] = h.shape;
    total += b * na * gh * gw;
  }
  return asg.s.map((s, k) => {
    const [, na, gh, gw] = heads[s].shape;
    return offsets[s] + ((asg.b[k] * na + asg.a[k]) * gh + asg.j[k]) * gw + asg.i[k];
  });
}

/** [B·na·h·w] bool: the prediction's box has IoU > thresh with some label of its own image. */
function overlapsLabel(head: Tensor, scale: YoloScale, labels: Tensor, thresh: number): Tensor {
  return torch.noGrad(() => torch.tidy(() => {
    const [b, na, h, w] = head.shape;
    const boxes = convertBoxes(decodeBoxes(head, scale, 'grid'), 'xywh', 'xyxy').view([b, na * h * w, 4]);
    const perImage = boxes.shape[1];
    const grid = torch.tensor([w, h, w, h], { dtype: labels.dtype, device: head.device as torch.Device });
    const truth = convertBoxes(labels.slice(1, 1, 5).mul(grid), 'xywh', 'xyxy'); // [N, 4]
    const iou = iouMatrix(boxes.view([b * perImage, 4]), truth, 'iou', { validate: false }); // [P, N]
    const image = torch.arange(b, undefined, 1, { device: head.device as torch.Device }).view([b, 1]).expand([b, perImage]).reshape([-1, 1]);
    const same = image.eq(labels.select(1, 0).long().view([1, -1]));
    return torch.where(same, iou, -1).maxDim(1).values.gt(thresh);
  }));
}

/**
 * Each row's value replaced by the largest among rows of the same cell, so a
 * cell assigned twice gets a defined target (index_put_ with repeated indices
 * keeps an unspecified one). m × m, m being the assigned rows: small.
 */
function groupMax(pos: Tensor, values: Tensor): Tensor {
  return torch.tidy(() => {
    const same = pos.view([-1, 1]).eq(pos.view([1, -1]));
    return torch.where(same, values.view([1, -1]), -Infinity).maxDim(1).values;
  });
}

/**
 * Mean over all nPreds predictions of BCE-with-logits(obj, target) with
 * pos_weight = posWeightFactor · (nPreds − nPosCells) / max(nPosCells, 1);
 * ignored predictions weigh 0 but stay in the mean's denominator.
 * `positives` are the assignment's rows (null when there are none).
 */
export function objectnessLoss(heads: Tensor[], labels: Tensor, asg: Assignment, positives: Positives | null, scales: YoloScale[], o: ResolvedLossOptions): Tensor {
  return torch.tidy(() => {
    const logits = torch.cat(heads.map((h) => h.select(4, 4).reshape([-1])));
    const nPreds = logits.shape[0];
    const dev = logits.device as torch.Device;
    const positions = cellPositions(heads, asg);
    const nPosCells = new Set(positions).size;
    const target = torch.zeros([nPreds], { dtype: logits.dtype, device: dev });
    const assigned = torch.zeros([nPreds], { dtype: 'bool', device: dev });
    if (positions.length > 0 && positives) {
      const pos = torch.tensor(positions, { dtype: 'int64', device: dev });
      const perRow = TARGETS[o.objTarget](positives, o);
      const values = nPosCells < positions.length ? groupMax(pos, perRow) : perRow;
      target.indexPut_([pos], values.to(logits.dtype));
      assigned.indexPut_([pos], true);
    }
    let weight: Tensor | null = null;
    if (o.ignoreThresh !== null && labels.shape[0] > 0) {
      const ignored = torch.cat(heads.map((h, s) => overlapsLabel(h, scales[s], labels, o.ignoreThresh as number)));
      weight = torch.where(ignored.logicalAnd(assigned.logicalNot()), 0, 1).to(logits.dtype);
    }
    const posWeight = torch.tensor([(o.posWeightFactor * (nPreds - nPosCells)) / Math.max(nPosCells, 1)], { dtype: logits.dtype, device: dev });
    return torch.F.binaryCrossEntropyWithLogits(logits, target, { weight, posWeight, reduction: 'mean' });
  });
}
