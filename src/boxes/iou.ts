// IoU, GIoU, DIoU and CIoU on tensors of xyxy boxes, as an all-pairs matrix
// (torchvision's box_iou family) or paired elementwise (for losses).
// Differentiable. Values equal torchvision's wherever torchvision's are
// finite; where torchvision divides 0 by 0 (zero-area boxes) these return a
// defined value instead, with finite gradients everywhere:
//   IoU  = 0 when the union is empty (two zero-area boxes);
//   GIoU drops its penalty when the enclosing box is empty;
//   CIoU treats a 0x0 box's aspect angle as 45 degrees.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkBoxTensor, checkFiniteTensor } from './validate.js';

export type IouKind = 'iou' | 'giou' | 'diou' | 'ciou';
export const IOU_KINDS: readonly IouKind[] = ['iou', 'giou', 'diou', 'ciou'];

export interface IouOptions {
  /** Added to the squared enclosing diagonal (DIoU, CIoU) and the CIoU alpha denominator, as torchvision. */
  eps?: number;
  /** Check for NaN/inf coordinates (one host sync); default true. Training loops may turn it off. */
  validate?: boolean;
}

type Coords = [Tensor, Tensor, Tensor, Tensor];

/** `num / den` where den > 0, else 0, without NaN in the gradient of the other branch. */
function safeDiv(num: Tensor, den: Tensor): Tensor {
  const ok = den.gt(0);
  return torch.where(ok, num.div(torch.where(ok, den, 1)), 0);
}

/** The IoU family over broadcastable coordinate tensors. */
function iouCore(a: Coords, b: Coords, kind: IouKind, eps: number): Tensor {
  const [ax1, ay1, ax2, ay2] = a;
  const [bx1, by1, bx2, by2] = b;
  const aw = ax2.sub(ax1);
  const ah = ay2.sub(ay1);
  const bw = bx2.sub(bx1);
  const bh = by2.sub(by1);
  const iw = ax2.minimum(bx2).sub(ax1.maximum(bx1)).clamp(0, null);
  const ih = ay2.minimum(by2).sub(ay1.maximum(by1)).clamp(0, null);
  const inter = iw.mul(ih);
  const union = aw.mul(ah).add(bw.mul(bh)).sub(inter);
  const iou = safeDiv(inter, union);
  if (kind === 'iou') return iou;
  // Enclosing box.
  const cw = ax2.maximum(bx2).sub(ax1.minimum(bx1)).clamp(0, null);
  const ch = ay2.maximum(by2).sub(ay1.minimum(by1)).clamp(0, null);
  if (kind === 'giou') {
    const area = cw.mul(ch);
    return iou.sub(safeDiv(area.sub(union), area));
  }
  const diag2 = cw.pow(2).add(ch.pow(2)).add(eps);
  const dx = ax1.add(ax2).div(2).sub(bx1.add(bx2).div(2));
  const dy = ay1.add(ay2).div(2).sub(by1.add(by2).div(2));
  const diou = iou.sub(dx.pow(2).add(dy.pow(2)).div(diag2));
  if (kind === 'diou') return diou;
  // atan2(w, h) is atan(w / h) for h > 0 and stays finite (value and
  // gradient) at h = 0; a 0x0 box gets the angle of a square.
  const angle = (w: Tensor, h: Tensor) => {
    const degenerate = w.eq(0).logicalAnd(h.eq(0));
    return torch.where(degenerate, 1, w).atan2(torch.where(degenerate, 1, h));
  };
  const v = angle(aw, ah).sub(angle(bw, bh)).pow(2).mul(4 / (Math.PI * Math.PI));
  // alpha is a weight, not a path for gradients (torchvision computes it under no_grad).
  const alpha = torch.noGrad(() => v.div(iou.rsub(1).add(v).add(eps)));
  return diou.sub(alpha.mul(v));
}

function prepare(t: Tensor, name: string, ndim: number | undefined, validate: boolean): void {
  checkBoxTensor(t, name, ndim);
  if (validate) checkFiniteTensor(t, name);
}

/**
 * All pairs: boxes1 [N, 4], boxes2 [M, 4] (xyxy) to [N, M], like
 * torchvision's box_iou / generalized_box_iou / distance_box_iou / complete_box_iou.
 */
export function iouMatrix(boxes1: Tensor, boxes2: Tensor, kind: IouKind = 'iou', options: IouOptions = {}): Tensor {
  prepare(boxes1, 'iouMatrix boxes1', 2, options.validate ?? true);
  prepare(boxes2, 'iouMatrix boxes2', 2, options.validate ?? true);
  if (!IOU_KINDS.includes(kind)) throw new TypeError(`unknown IoU kind '${kind}' (${IOU_KINDS.join(', ')})`);
  return torch.tidy(() => {
    const a = torch.F.unbind(boxes1.unsqueeze(1), -1) as Coords; // each [N, 1]
    const b = torch.F.unbind(boxes2, -1) as Coords; // each [M]
    return iouCore(a, b, kind, options.eps ?? 1e-7);
  });
}

/**
 * Elementwise: boxes1 and boxes2 [..., 4] (broadcastable, xyxy) to [...].
 * Equals the diagonal of iouMatrix; losses use `1 - pairedIou(...)`.
 */
export function pairedIou(boxes1: Tensor, boxes2: Tensor, kind: IouKind = 'iou', options: IouOptions = {}): Tensor {
  prepare(boxes1, 'pairedIou boxes1', undefined, options.validate ?? true);
  prepare(boxes2, 'pairedIou boxes2', undefined, options.validate ?? true);
  if (!IOU_KINDS.includes(kind)) throw new TypeError(`unknown IoU kind '${kind}' (${IOU_KINDS.join(', ')})`);
  return torch.tidy(() => iouCore(torch.F.unbind(boxes1, -1) as Coords, torch.F.unbind(boxes2, -1) as Coords, kind, options.eps ?? 1e-7));
}

/** torchvision.ops.box_iou */
export const boxIou = (a: Tensor, b: Tensor, o?: IouOptions) => iouMatrix(a, b, 'iou', o);
/** torchvision.ops.generalized_box_iou */
export const generalizedBoxIou = (a: Tensor, b: Tensor, o?: IouOptions) => iouMatrix(a, b, 'giou', o);
/** torchvision.ops.distance_box_iou */
export const distanceBoxIou = (a: Tensor, b: Tensor, o?: IouOptions) => iouMatrix(a, b, 'diou', o);
/** torchvision.ops.complete_box_iou */
export const completeBoxIou = (a: Tensor, b: Tensor, o?: IouOptions) => iouMatrix(a, b, 'ciou', o);
