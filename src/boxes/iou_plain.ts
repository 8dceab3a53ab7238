// The IoU family on plain numbers (xyxy), for evaluation code and tests.
// Same definitions and degenerate-box rules as the tensor version (iou.ts).
import type { IouKind } from './iou.js';
import { checkBox } from './validate.js';

const div0 = (n: number, d: number) => (d > 0 ? n / d : 0);

function angle(w: number, h: number): number {
  return w === 0 && h === 0 ? Math.PI / 4 : Math.atan2(w, h);
}

/** IoU (or GIoU, DIoU, CIoU) of two xyxy boxes. */
export function iou(a: readonly number[], b: readonly number[], kind: IouKind = 'iou', eps = 1e-7): number {
  checkBox(a, 'iou a');
  checkBox(b, 'iou b');
  const aw = a[2] - a[0], ah = a[3] - a[1], bw = b[2] - b[0], bh = b[3] - b[1];
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = aw * ah + bw * bh - inter;
  const value = div0(inter, union);
  if (kind === 'iou') return value;
  const cw = Math.max(0, Math.max(a[2], b[2]) - Math.min(a[0], b[0]));
  const ch = Math.max(0, Math.max(a[3], b[3]) - Math.min(a[1], b[1]));
  if (kind === 'giou') return value - div0(cw * ch - union, cw * ch);
  const dx = (a[0] + a[2]) / 2 - (b[0] + b[2]) / 2;
  const dy = (a[1] + a[3]) / 2 - (b[1] + b[3]) / 2;
  const diou = value - (dx * dx + dy * dy) / (cw * cw + ch * ch + eps);
  if (kind === 'diou') return diou;
  if (kind !== 'ciou') throw new TypeError(`unknown IoU kind '${kind}'`);
  const v = (4 / (Math.PI * Math.PI)) * (angle(aw, ah) - angle(bw, bh)) ** 2;
  return diou - (v / (1 - value + v + eps)) * v;
}

/** All pairs: result[i][j] = iou(a[i], b[j]). */
export function iouMatrixPlain(a: readonly (readonly number[])[], b: readonly (readonly number[])[], kind: IouKind = 'iou'): number[][] {
  return a.map((x) => b.map((y) => iou(x, y, kind)));
}
