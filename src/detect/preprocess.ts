// Image -> network input, as darknet prepares it: RGB floats in 0..1, CHW,
// resized with darknet's own bilinear `resize_image`, either stretched to
// the input size or letterboxed (aspect kept, grey 0.5 around it, as
// `letterbox_image`). The geometry maps boxes back to original pixels the
// way darknet's `correct_yolo_boxes` does (the letterbox geometry, with
// darknet's rounding, is src/boxes/letterbox.ts). prepareInput resizes
// straight from the bytes (resize_rgb.ts), bit-identical to darknetResize on
// toCHWFloat's planes.
import type { Box } from '../boxes/formats.js';
import { letterboxFor, unletterboxBox, type Letterbox } from '../boxes/letterbox.js';
import { resizeRgbInto } from './resize_rgb.js';
import type { RgbImage } from '../data/image.js';

export type ResizeMode = 'letterbox' | 'stretch';

/** Maps input-pixel boxes to original pixels: original = (input - pad) / scale (stretch: pad 0). */
export interface InputGeometry extends Letterbox {
  mode: ResizeMode;
  inputWidth: number;
  inputHeight: number;
  originalWidth: number;
  originalHeight: number;
}

/**
 * darknet's resize_image: bilinear with corners aligned (scale (w-1)/(w'-1)),
 * first along rows, then along columns, in float32.
 */
export function darknetResize(src: Float32Array, w: number, h: number, newW: number, newH: number, channels = 3): Float32Array {
  const f = Math.fround;
  const part = new Float32Array(newW * h * channels);
  const out = new Float32Array(newW * newH * channels);
  const wScale = newW > 1 ? f((w - 1) / (newW - 1)) : 0;
  const hScale = newH > 1 ? f((h - 1) / (newH - 1)) : 0;
  for (let k = 0; k < channels; k++) {
    for (let r = 0; r < h; r++) {
      const row = k * w * h + r * w;
      for (let c = 0; c < newW; c++) {
        let val: number;
        if (c === newW - 1 || w === 1) {
          val = src[row + w - 1];
        } else {
          const sx = f(c * wScale);
          const ix = Math.trunc(sx);
          const dx = f(sx - ix);
          val = f(f((1 - dx) * src[row + ix]) + f(dx * src[row + ix + 1]));
        }
        part[k * newW * h + r * newW + c] = val;
      }
    }
  }
  for (let k = 0; k < channels; k++) {
    for (let r = 0; r < newH; r++) {
      const sy = f(r * hScale);
      const iy = Math.trunc(sy);
      const dy = f(sy - iy);
      const dst = k * newW * newH + r * newW;
      const a = k * newW * h + iy * newW;
      for (let c = 0; c < newW; c++) out[dst + c] = f((1 - dy) * part[a + c]);
      if (r === newH - 1 || h === 1) continue;
      for (let c = 0; c < newW; c++) out[dst + c] = f(out[dst + c] + f(dy * part[a + newW + c]));
    }
  }
  return out;
}

/** Where one image goes in the network input: its resized size, top-left corner, whether grey surrounds it, and how to map boxes back. */
export interface Placement {
  width: number;
  height: number;
  left: number;
  top: number;
  /** Letterboxed: the input is grey 0.5 outside the resized image. */
  grey: boolean;
  geometry: InputGeometry;
}

/** Stretched to the input size, or letterboxed (aspect kept) with darknet's rounding. */
export function placementFor(img: { width: number; height: number }, netW: number, netH: number, mode: ResizeMode): Placement {
  const base = { mode, inputWidth: netW, inputHeight: netH, originalWidth: img.width, originalHeight: img.height };
  if (mode === 'stretch') {
    return { width: netW, height: netH, left: 0, top: 0, grey: false, geometry: { ...base, scaleX: netW / img.width, scaleY: netH / img.height, padX: 0, padY: 0 } };
  }
  const lb = letterboxFor({ width: netW, height: netH }, img, { rounding: 'darknet' });
  const geometry = { ...base, scaleX: lb.scaleX, scaleY: lb.scaleY, padX: lb.padX, padY: lb.padY };
  return { width: lb.resized.width, height: lb.resized.height, left: lb.left, top: lb.top, grey: true, geometry };
}

/** The network input [3, H, W] for one image, and how to map boxes back. */
export function prepareInput(img: RgbImage, netW: number, netH: number, mode: ResizeMode): { data: Float32Array; geometry: InputGeometry } {
  const data = new Float32Array(3 * netW * netH);
  const p = placementFor(img, netW, netH, mode);
  if (p.grey) data.fill(0.5);
  resizeRgbInto(img, p.width, p.height, { out: data, width: netW, height: netH, left: p.left, top: p.top });
  return { data, geometry: p.geometry };
}

/** An input-pixel box [x1, y1, x2, y2] in original image pixels, clipped to the image. */
export function toOriginal(box: ArrayLike<number>, g: InputGeometry): Box {
  return unletterboxBox(box, g, { width: g.originalWidth, height: g.originalHeight });
}
