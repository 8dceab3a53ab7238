// Letterbox a training sample: resize keeping the aspect ratio, pad to the
// target with grey (ultralytics' rounding; the geometry is src/boxes/letterbox.ts).
// `auto` pads only to the next multiple of `stride` (rectangular inference);
// otherwise the result is exactly size x size. `info` maps boxes back
// (unletterboxBox).

import { letterboxFor, type Letterbox } from '../../boxes/letterbox.js';
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

export function letterbox(input: Labeled, size: number, options: LetterboxOptions = {}): Labeled & { info: Letterbox } {
  const stride = options.stride ?? 32;
  if (!options.auto && size % stride !== 0) throw new Error(`letterbox: size ${size} is not a multiple of stride ${stride}`);
  const { img } = input;
  const lb = letterboxFor({ width: size, height: size }, img, { rounding: 'ultralytics', scaleUp: options.scaleUp, padToMultiple: options.auto ? stride : undefined });
  const { width: w, height: h } = lb.resized;
  const out = newImage(lb.width, lb.height, options.fill ?? 114);
  blit(resize(img, w, h), 0, 0, w, h, out, lb.left, lb.top);
  const { scaleX: sx, scaleY: sy, padX, padY } = lb;
  const labels = new Float32Array(input.labels.length);
  for (let i = 0; i < labels.length; i += 5) {
    labels[i] = input.labels[i];
    labels[i + 1] = (input.labels[i + 1] * img.width * sx + padX) / lb.width;
    labels[i + 2] = (input.labels[i + 2] * img.height * sy + padY) / lb.height;
    labels[i + 3] = (input.labels[i + 3] * img.width * sx) / lb.width;
    labels[i + 4] = (input.labels[i + 4] * img.height * sy) / lb.height;
  }
  return { img: out, labels, info: { scaleX: sx, scaleY: sy, padX, padY } };
}
