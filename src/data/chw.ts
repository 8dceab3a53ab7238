// RGB pixels to the network's CHW floats, apart from image.ts so that code
// running without sharp (the browser page, src/detect/preprocess.ts) can use it.
import type { RgbImage } from './image.js';

/** HWC uint8 to CHW float32 in 0..1, written into `out` at `offset` (allocated when absent). */
export function toCHWFloat(img: RgbImage, out?: Float32Array, offset = 0): Float32Array {
  const plane = img.width * img.height;
  const dst = out ?? new Float32Array(plane * 3);
  const src = img.data;
  const r = offset, g = offset + plane, b = offset + 2 * plane;
  for (let p = 0, s = 0; p < plane; p++, s += 3) {
    dst[r + p] = src[s] / 255;
    dst[g + p] = src[s + 1] / 255;
    dst[b + p] = src[s + 2] / 255;
  }
  return dst;
}
