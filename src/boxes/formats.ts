// Box formats on plain numbers. Three layouts, all [a, b, c, d]:
//   xyxy: corners (x1, y1, x2, y2), what IoU and NMS use;
//   xywh: centre and size (cx, cy, w, h), what YOLO heads and labels use;
//   ltwh: top-left and size (x, y, w, h), what COCO json uses.
// "Normalised" means divided by the image width/height (0..1).
import { checkBox } from './validate.js';

export type Box = [number, number, number, number];
export type BoxFormat = 'xyxy' | 'xywh' | 'ltwh';
export interface Size { width: number; height: number }

export function xywhToXyxy(b: readonly number[]): Box {
  const [cx, cy, w, h] = b;
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}
export function xyxyToXywh(b: readonly number[]): Box {
  const [x1, y1, x2, y2] = b;
  return [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1];
}
export function ltwhToXyxy(b: readonly number[]): Box {
  const [x, y, w, h] = b;
  return [x, y, x + w, y + h];
}
export function xyxyToLtwh(b: readonly number[]): Box {
  const [x1, y1, x2, y2] = b;
  return [x1, y1, x2 - x1, y2 - y1];
}

/** Converts one box between any two formats. */
export function convertBox(b: readonly number[], from: BoxFormat, to: BoxFormat): Box {
  checkBox(b);
  if (from === to) return [b[0], b[1], b[2], b[3]];
  const xyxy = from === 'xyxy' ? ([...b] as Box) : from === 'xywh' ? xywhToXyxy(b) : ltwhToXyxy(b);
  return to === 'xyxy' ? xyxy : to === 'xywh' ? xyxyToXywh(xyxy) : xyxyToLtwh(xyxy);
}

/** Pixels to 0..1 (works for every format: x-like values by width, y-like by height). */
export function normalizeBox(b: readonly number[], size: Size): Box {
  return [b[0] / size.width, b[1] / size.height, b[2] / size.width, b[3] / size.height];
}
export function denormalizeBox(b: readonly number[], size: Size): Box {
  return [b[0] * size.width, b[1] * size.height, b[2] * size.width, b[3] * size.height];
}

/** Clips an xyxy box to the image [0, width] x [0, height]. */
export function clipBox(b: readonly number[], size: Size): Box {
  const cx = (v: number) => Math.min(Math.max(v, 0), size.width);
  const cy = (v: number) => Math.min(Math.max(v, 0), size.height);
  return [cx(b[0]), cy(b[1]), cx(b[2]), cy(b[3])];
}

export function boxArea(b: readonly number[]): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}
