// Letterbox: resize keeping the aspect ratio, pad to the target with grey.
// `auto` pads only to the next multiple of `stride` (rectangular inference);
// otherwise the result is exactly size x size.

import { newImage } from '../image.js';
import { resize, blit } from './resize.js';
import { type Labeled } from './types.js';

export interface LetterboxOptions {
  stride?: number;
  /** Pad to a multiple of stride only, not to the full square. */
  auto?: boolean;
  /** Allow enlarging small images (default true). */
  scaleUp?: boolean;
  fill?: number;
}

/** How to map letterboxed pixels back to the original: orig = (p - pad) / scale, per axis. */
export interface LetterboxInfo {
  /** Nominal resize ratio. */
  scale: number;
  /** Actual per-axis ratios (the resized size is rounded to whole pixels). */
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
}

export function letterbox(input: Labeled, size: number, options: LetterboxOptions = {}): Labeled & { info: LetterboxInfo } {
  const stride = options.stride ?? 32;
  if (!options.auto && size % stride !== 0) throw new Error(`letterbox: size ${size} is not a multiple of stride ${stride}`);
  const { img } = input;
  let r = size / Math.max(img.width, img.height);
  if (options.scaleUp === false) r = Math.min(r, 1);
  const w = Math.max(1, Math.round(img.width * r)), h = Math.max(1, Math.round(img.height * r));
  const outW = options.auto ? Math.ceil(w / stride) * stride : size;
  const outH = options.auto ? Math.ceil(h / stride) * stride : size;
  const padX = Math.floor((outW - w) / 2), padY = Math.floor((outH - h) / 2);
  const out = newImage(outW, outH, options.fill ?? 114);
  blit(resize(img, w, h), 0, 0, w, h, out, padX, padY);
  // Per-axis scale: rounding w, h makes it differ from r by < 1 px over the image.
  const sx = w / img.width, sy = h / img.height;
  const labels = new Float32Array(input.labels.length);
  for (let i = 0; i < labels.length; i += 5) {
    labels[i] = input.labels[i];
    labels[i + 1] = (input.labels[i + 1] * img.width * sx + padX) / outW;
    labels[i + 2] = (input.labels[i + 2] * img.height * sy + padY) / outH;
    labels[i + 3] = (input.labels[i + 3] * img.width * sx) / outW;
    labels[i + 4] = (input.labels[i + 4] * img.height * sy) / outH;
  }
  return { img: out, labels, info: { scale: r, scaleX: sx, scaleY: sy, padX, padY } };
}

/** Maps pixel corner boxes [x1, y1, x2, y2] on the letterboxed image back to the original image. */
export function unletterboxBox(box: number[], info: LetterboxInfo): number[] {
  return [(box[0] - info.padX) / info.scaleX, (box[1] - info.padY) / info.scaleY, (box[2] - info.padX) / info.scaleX, (box[3] - info.padY) / info.scaleY];
}
