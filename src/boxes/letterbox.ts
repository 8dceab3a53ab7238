// Letterbox geometry, computed here only: an image of size `original` scaled
// to fit `input` keeping its aspect ratio, centred, the rest padded;
// input = original * scale + pad, per axis. The rounding follows the
// reference each user must match, because parity depends on it:
//   'exact'        none (what ultralytics' scale_coords assumes);
//   'darknet'      letterbox_image: the limiting side fills the input, the
//                  other is floor(side * net / limiting) in integer arithmetic;
//                  pixels go at floor(pad), but correct_yolo_boxes maps back
//                  with the unrounded pad (net - new) / 2;
//   'ultralytics'  letterbox(): sides rounded to whole pixels (at least 1), pad
//                  floored; the per-axis scale new / old differs from the
//                  nominal ratio by under a pixel over the image.
// Plain numbers only (no tensors), so the data workers use it too.
import { clipBox, type Box, type Size } from './formats.js';

/** How an image sits in a letterboxed input: input = original * scale + pad, per axis. */
export interface Letterbox { scaleX: number; scaleY: number; padX: number; padY: number }

export type LetterboxRounding = 'exact' | 'darknet' | 'ultralytics';

export interface LetterboxRule {
  /** Default 'exact'; see the file comment. */
  rounding?: LetterboxRounding;
  /** false: never enlarge (ultralytics scaleup=False); 'darknet' always fills the input. */
  scaleUp?: boolean;
  /** Pad only up to the next multiple of this, not to the full input (ultralytics auto: rectangular inference). */
  padToMultiple?: number;
}

/** The mapping plus where the pixels go. */
export interface LetterboxLayout extends Letterbox {
  /** The padded input: `input`, or smaller with padToMultiple. */
  width: number;
  height: number;
  /** The resized image ('exact': unrounded) and its top-left corner in the input. */
  resized: Size;
  left: number;
  top: number;
}

function resizedSize(input: Size, original: Size, rule: LetterboxRule): { gain: number; width: number; height: number } {
  const { width: w, height: h } = original;
  let gain = Math.min(input.width / w, input.height / h);
  if (rule.scaleUp === false) gain = Math.min(gain, 1);
  switch (rule.rounding ?? 'exact') {
    case 'darknet':
      return input.width / w < input.height / h
        ? { gain, width: input.width, height: Math.floor((h * input.width) / w) }
        : { gain, width: Math.floor((w * input.height) / h), height: input.height };
    case 'ultralytics':
      return { gain, width: Math.max(1, Math.round(w * gain)), height: Math.max(1, Math.round(h * gain)) };
    case 'exact':
      return { gain, width: w * gain, height: h * gain };
  }
}

/** The letterbox that fits `original` into `input`. */
export function letterboxFor(input: Size, original: Size, rule: LetterboxRule = {}): LetterboxLayout {
  const rounding = rule.rounding ?? 'exact';
  const { gain, width: rw, height: rh } = resizedSize(input, original, rule);
  const m = rule.padToMultiple;
  const width = m ? Math.ceil(rw / m) * m : input.width;
  const height = m ? Math.ceil(rh / m) * m : input.height;
  const half = (room: number) => (rounding === 'ultralytics' ? Math.floor(room / 2) : room / 2);
  const padX = half(width - rw), padY = half(height - rh);
  const place = (pad: number) => (rounding === 'darknet' ? Math.floor(pad) : pad);
  return {
    scaleX: rounding === 'exact' ? gain : rw / original.width,
    scaleY: rounding === 'exact' ? gain : rh / original.height,
    padX, padY, width, height,
    resized: { width: rw, height: rh }, left: place(padX), top: place(padY),
  };
}

/** Maps an xyxy box on the letterboxed input back to the original image, clipped to `clipTo` when given. */
export function unletterboxBox(b: ArrayLike<number>, lb: Letterbox, clipTo?: Size): Box {
  const box: Box = [(b[0] - lb.padX) / lb.scaleX, (b[1] - lb.padY) / lb.scaleY, (b[2] - lb.padX) / lb.scaleX, (b[3] - lb.padY) / lb.scaleY];
  return clipTo ? clipBox(box, clipTo) : box;
}
