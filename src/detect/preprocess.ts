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
import { resizeRgbInto, type ResizeTarget } from './resize_rgb.js';
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

/**
 * Writes one image's network input into `to` (offset, layout as it says):
 * stretched, or letterboxed onto grey 0.5; returns how to map boxes back.
 */
function placeInput(img: RgbImage, netW: number, netH: number, mode: ResizeMode, to: Omit<ResizeTarget, 'left' | 'top'>): InputGeometry {
  const base = { mode, inputWidth: netW, inputHeight: netH, originalWidth: img.width, originalHeight: img.height };
  if (mode === 'stretch') {
    resizeRgbInto(img, netW, netH, { ...to, left: 0, top: 0 });
    return { ...base, scaleX: netW / img.width, scaleY: netH / img.height, padX: 0, padY: 0 };
  }
  const lb = letterboxFor({ width: netW, height: netH }, img, { rounding: 'darknet' });
  const start = to.offset ?? 0;
  to.out.fill(0.5, start, start + 3 * netW * netH);
  resizeRgbInto(img, lb.resized.width, lb.resized.height, { ...to, left: lb.left, top: lb.top });
  return { ...base, scaleX: lb.scaleX, scaleY: lb.scaleY, padX: lb.padX, padY: lb.padY };
}

/** The network input [3, H, W] for one image, and how to map boxes back. */
export function prepareInput(img: RgbImage, netW: number, netH: number, mode: ResizeMode): { data: Float32Array; geometry: InputGeometry } {
  const data = new Float32Array(3 * netW * netH);
  return { data, geometry: placeInput(img, netW, netH, mode, { out: data, width: netW, height: netH }) };
}

/**
 * A batch of network inputs written straight into one buffer [B, H, W, 3]
 * (channels-last: the libtorch Detector's forward runs on that layout, so
 * it is neither copied per image nor transposed), the same values as
 * prepareInput's, and each image's geometry.
 */
export function prepareBatchHwc(images: RgbImage[], netW: number, netH: number, mode: ResizeMode, reuse?: Float32Array): { data: Float32Array; geometries: InputGeometry[] } {
  const size = 3 * netW * netH;
  // `reuse` (a buffer of the right length from an earlier call, every value rewritten here): no fresh 2 MB per image to collect
  const data = reuse?.length === images.length * size ? reuse : new Float32Array(images.length * size);
  const geometries = images.map((img, i) => placeInput(img, netW, netH, mode, { out: data, width: netW, height: netH, offset: i * size, hwc: true }));
  return { data, geometries };
}

/** An input-pixel box [x1, y1, x2, y2] in original image pixels, clipped to the image. */
export function toOriginal(box: ArrayLike<number>, g: InputGeometry): Box {
  return unletterboxBox(box, g, { width: g.originalWidth, height: g.originalHeight });
}
