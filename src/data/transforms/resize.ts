// Bilinear resampling of RGB images with half-pixel centres (as OpenCV's
// INTER_LINEAR), and region copies. Plain loops: fast enough and runs in workers.

import { newImage, type RgbImage } from '../image.js';

function axis(outN: number, inN: number, scale: number, offset: number): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const i0 = new Int32Array(outN), i1 = new Int32Array(outN), f = new Float32Array(outN);
  for (let o = 0; o < outN; o++) {
    let s = (o + 0.5) / scale - 0.5 + offset;
    s = Math.max(0, Math.min(inN - 1, s));
    const a = Math.floor(s);
    i0[o] = a; i1[o] = Math.min(inN - 1, a + 1); f[o] = s - a;
  }
  return { i0, i1, f };
}

/** Resizes to width x height (stretching). Same size returns a copy. */
export function resize(img: RgbImage, width: number, height: number): RgbImage {
  if (width === img.width && height === img.height) return { data: img.data.slice(), width, height };
  return resizeRegion(img, 0, 0, img.width, img.height, width, height);
}

/**
 * Resamples the source rectangle (sx, sy, sw, sh) — which may extend past
 * the image: edge pixels repeat, as darknet's crop_image does — to width x height.
 */
export function resizeRegion(img: RgbImage, sx: number, sy: number, sw: number, sh: number, width: number, height: number): RgbImage {
  const out = newImage(width, height, 0);
  const xs = axis(width, img.width, width / sw, sx), ys = axis(height, img.height, height / sh, sy);
  const src = img.data, dst = out.data, W = img.width;
  for (let y = 0; y < height; y++) {
    const r0 = ys.i0[y] * W * 3, r1 = ys.i1[y] * W * 3, fy = ys.f[y];
    for (let x = 0; x < width; x++) {
      const c0 = xs.i0[x] * 3, c1 = xs.i1[x] * 3, fx = xs.f[x];
      const d = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = src[r0 + c0 + c] + (src[r0 + c1 + c] - src[r0 + c0 + c]) * fx;
        const bot = src[r1 + c0 + c] + (src[r1 + c1 + c] - src[r1 + c0 + c]) * fx;
        dst[d + c] = top + (bot - top) * fy + 0.5; // Uint8Array truncates: +0.5 rounds
      }
    }
  }
  return out;
}

/** Copies src rectangle (sx, sy, w, h) into dst at (dx, dy). Rectangles must lie inside both images. */
export function blit(src: RgbImage, sx: number, sy: number, w: number, h: number, dst: RgbImage, dx: number, dy: number): void {
  for (let y = 0; y < h; y++) {
    const s = ((sy + y) * src.width + sx) * 3, d = ((dy + y) * dst.width + dx) * 3;
    dst.data.set(src.data.subarray(s, s + w * 3), d);
  }
}

/** Resizes so the longer side equals `size` (ultralytics' load_image), keeping the aspect ratio. */
export function resizeLongSide(img: RgbImage, size: number): RgbImage {
  const r = size / Math.max(img.width, img.height);
  if (r === 1) return img;
  return resize(img, Math.max(1, Math.round(img.width * r)), Math.max(1, Math.round(img.height * r)));
}
