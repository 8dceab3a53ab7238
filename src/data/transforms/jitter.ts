// darknet's jitter crop (load_data_detection in pjreddie darknet): each side
// moves in or out by up to jitter * size (integer pixels), the crop is
// stretched to the network size, outside pixels repeat the edge, and boxes
// are corrected and clipped (fill_truth_detection).

import type { Rng } from '../rng.js';
import { resizeRegion } from './resize.js';
import { type Labeled, toPixelCorners, fromPixelCorners } from './types.js';

export interface JitterOptions {
  jitter: number;
  width: number;
  height: number;
}

/** Crops (left, top, cropW, cropH) of the original, stretched to width x height. */
export function cropResize(input: Labeled, left: number, top: number, cropW: number, cropH: number, width: number, height: number): Labeled {
  const img = resizeRegion(input.img, left, top, cropW, cropH, width, height);
  const px = toPixelCorners(input.labels, input.img.width, input.img.height);
  const sx = width / cropW, sy = height / cropH;
  for (let i = 0; i < px.length; i += 5) {
    px[i + 1] = (px[i + 1] - left) * sx; px[i + 3] = (px[i + 3] - left) * sx;
    px[i + 2] = (px[i + 2] - top) * sy; px[i + 4] = (px[i + 4] - top) * sy;
  }
  // darknet drops boxes under 0.001 of the image after clipping.
  return { img, labels: fromPixelCorners(px, width, height, 0.001 * Math.min(width, height)) };
}

export function jitterCrop(input: Labeled, rng: Rng, o: JitterOptions): Labeled {
  const ow = input.img.width, oh = input.img.height;
  const dw = o.jitter * ow, dh = o.jitter * oh;
  const pleft = Math.trunc(rng.uniform(-dw, dw)), pright = Math.trunc(rng.uniform(-dw, dw));
  const ptop = Math.trunc(rng.uniform(-dh, dh)), pbot = Math.trunc(rng.uniform(-dh, dh));
  const cw = Math.max(1, ow - pleft - pright), ch = Math.max(1, oh - ptop - pbot);
  return cropResize(input, pleft, ptop, cw, ch, o.width, o.height);
}
