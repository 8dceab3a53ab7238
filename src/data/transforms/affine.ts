// Random affine (ultralytics' random_perspective without perspective):
// M = T @ Sh @ R @ C — centre, rotate+scale, shear, translate — warped with
// bilinear sampling, boxes moved by their four corners, clipped, and dropped
// when they become too small or too distorted (box_candidates).

import { newImage, type RgbImage } from '../image.js';
import type { Rng } from '../rng.js';
import { type Labeled } from './types.js';

export interface AffineOptions {
  /** Rotation range +-degrees. */
  degrees: number;
  /** Translation range +- fraction of the output size. */
  translate: number;
  /** Scale gain range 1 +- scale. */
  scale: number;
  /** Shear range +-degrees. */
  shear: number;
  /** Output size (default: the input's size). Mosaic passes size from a 2x canvas. */
  outWidth?: number;
  outHeight?: number;
  fill?: number;
}

/** 2x3 affine matrix [a, b, c, d, e, f]: x' = a x + b y + c, y' = d x + e y + f. */
export type Mat = [number, number, number, number, number, number];

function mul(p: Mat, q: Mat): Mat {
  return [p[0] * q[0] + p[1] * q[3], p[0] * q[1] + p[1] * q[4], p[0] * q[2] + p[1] * q[5] + p[2],
    p[3] * q[0] + p[4] * q[3], p[3] * q[1] + p[4] * q[4], p[3] * q[2] + p[4] * q[5] + p[5]];
}

/** Builds M from explicit parameters; all-neutral values give the identity for equal in/out sizes. */
export function affineMatrix(inW: number, inH: number, outW: number, outH: number, p: { angle: number; scale: number; shearX: number; shearY: number; tx: number; ty: number }): Mat {
  const rad = (p.angle * Math.PI) / 180;
  const C: Mat = [1, 0, -inW / 2, 0, 1, -inH / 2];
  const R: Mat = [p.scale * Math.cos(rad), p.scale * Math.sin(rad), 0, -p.scale * Math.sin(rad), p.scale * Math.cos(rad), 0];
  const S: Mat = [1, Math.tan((p.shearX * Math.PI) / 180), 0, Math.tan((p.shearY * Math.PI) / 180), 1, 0];
  const T: Mat = [1, 0, p.tx * outW, 0, 1, p.ty * outH];
  return mul(T, mul(S, mul(R, C)));
}

export function isIdentity(m: Mat): boolean {
  const e = 1e-9;
  return Math.abs(m[0] - 1) < e && Math.abs(m[1]) < e && Math.abs(m[2]) < e && Math.abs(m[3]) < e && Math.abs(m[4] - 1) < e && Math.abs(m[5]) < e;
}

/** Warps with M (continuous pixel coordinates), bilinear, constant fill outside. */
export function warpAffine(img: RgbImage, m: Mat, outW: number, outH: number, fill = 114): RgbImage {
  const det = m[0] * m[4] - m[1] * m[3];
  if (Math.abs(det) < 1e-12) throw new Error('warpAffine: singular matrix');
  const ia = m[4] / det, ib = -m[1] / det, id = -m[3] / det, ie = m[0] / det;
  const ic = -(ia * m[2] + ib * m[5]), iff = -(id * m[2] + ie * m[5]);
  if (Math.abs(ib) < 1e-12 && Math.abs(id) < 1e-12) return warpScaleTranslate(img, ia, ic, ie, iff, outW, outH, fill);
  const out = newImage(outW, outH, fill);
  const src = img.data, dst = out.data, W = img.width, H = img.height;
  for (let y = 0; y < outH; y++) {
    const cy = y + 0.5;
    // Source position of pixel centre x: (u0 + ia x, v0 + id x), stepped instead of recomputed.
    let u = ia * 0.5 + ib * cy + ic - 0.5, v = id * 0.5 + ie * cy + iff - 0.5;
    for (let x = 0, d = y * outW * 3; x < outW; x++, d += 3, u += ia, v += id) {
      if (u <= -1 || v <= -1 || u >= W || v >= H) continue;
      const x0 = Math.floor(u), y0 = Math.floor(v), fx = u - x0, fy = v - y0;
      const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      const p = (y0 * W + x0) * 3;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
        const q = p + W * 3;
        dst[d] = src[p] * w00 + src[p + 3] * w01 + src[q] * w10 + src[q + 3] * w11 + 0.5;
        dst[d + 1] = src[p + 1] * w00 + src[p + 4] * w01 + src[q + 1] * w10 + src[q + 4] * w11 + 0.5;
        dst[d + 2] = src[p + 2] * w00 + src[p + 5] * w01 + src[q + 2] * w10 + src[q + 5] * w11 + 0.5;
        continue;
      }
      // Border pixels: out-of-image neighbours take the fill value (as cv2 BORDER_CONSTANT).
      for (let c = 0; c < 3; c++) {
        const p00 = x0 >= 0 && y0 >= 0 ? src[p + c] : fill;
        const p01 = x0 + 1 < W && y0 >= 0 ? src[p + 3 + c] : fill;
        const p10 = x0 >= 0 && y0 + 1 < H ? src[p + W * 3 + c] : fill;
        const p11 = x0 + 1 < W && y0 + 1 < H ? src[p + W * 3 + 3 + c] : fill;
        dst[d + c] = p00 * w00 + p01 * w01 + p10 * w10 + p11 * w11 + 0.5;
      }
    }
  }
  return out;
}

/** Per-axis sampling positions for an axis-aligned map u = a (o + 0.5) + c - 0.5: neighbour indices and weights, -1 where outside. */
function axisTaps(n: number, a: number, c: number, size: number): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const i0 = new Int32Array(n), i1 = new Int32Array(n), f = new Float32Array(n);
  for (let o = 0; o < n; o++) {
    const u = a * (o + 0.5) + c - 0.5;
    const k = Math.floor(u);
    if (u <= -1 || u >= size) { i0[o] = -2; continue; } // wholly outside: keep the fill
    i0[o] = k >= 0 ? k : -1; i1[o] = k + 1 < size ? k + 1 : -1; f[o] = u - k;
  }
  return { i0, i1, f };
}

/**
 * The same warp when M has no rotation or shear (the default augmentation):
 * separable, so taps are computed once per row and column instead of per pixel.
 */
function warpScaleTranslate(img: RgbImage, ax: number, cx: number, ay: number, cy: number, outW: number, outH: number, fill: number): RgbImage {
  const out = newImage(outW, outH, fill);
  const src = img.data, dst = out.data, W = img.width;
  const xs = axisTaps(outW, ax, cx, img.width), ys = axisTaps(outH, ay, cy, img.height);
  for (let y = 0; y < outH; y++) {
    const y0 = ys.i0[y];
    if (y0 === -2) continue;
    const y1 = ys.i1[y], fy = ys.f[y];
    for (let x = 0, d = y * outW * 3; x < outW; x++, d += 3) {
      const x0 = xs.i0[x];
      if (x0 === -2) continue;
      const x1 = xs.i1[x], fx = xs.f[x];
      const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      if (x0 >= 0 && y0 >= 0 && x1 >= 0 && y1 >= 0) {
        const p = (y0 * W + x0) * 3, q = (y1 * W + x0) * 3;
        dst[d] = src[p] * w00 + src[p + 3] * w01 + src[q] * w10 + src[q + 3] * w11 + 0.5;
        dst[d + 1] = src[p + 1] * w00 + src[p + 4] * w01 + src[q + 1] * w10 + src[q + 4] * w11 + 0.5;
        dst[d + 2] = src[p + 2] * w00 + src[p + 5] * w01 + src[q + 2] * w10 + src[q + 5] * w11 + 0.5;
        continue;
      }
      for (let c = 0; c < 3; c++) {
        const p00 = x0 >= 0 && y0 >= 0 ? src[(y0 * W + x0) * 3 + c] : fill;
        const p01 = x1 >= 0 && y0 >= 0 ? src[(y0 * W + x1) * 3 + c] : fill;
        const p10 = x0 >= 0 && y1 >= 0 ? src[(y1 * W + x0) * 3 + c] : fill;
        const p11 = x1 >= 0 && y1 >= 0 ? src[(y1 * W + x1) * 3 + c] : fill;
        dst[d + c] = p00 * w00 + p01 * w01 + p10 * w10 + p11 * w11 + 0.5;
      }
    }
  }
  return out;
}

/** ultralytics' box_candidates: keep boxes > minPx wide/high, > areaRatio of their scaled area, aspect < maxAspect. */
export function transformBoxes(labels: Float32Array, m: Mat, inW: number, inH: number, outW: number, outH: number, minPx = 2, areaRatio = 0.1, maxAspect = 20): Float32Array {
  const out: number[] = [];
  const gain = Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
  for (let i = 0; i < labels.length; i += 5) {
    const w0 = labels[i + 3] * inW, h0 = labels[i + 4] * inH;
    const x1 = labels[i + 1] * inW - w0 / 2, y1 = labels[i + 2] * inH - h0 / 2;
    const xs = [x1, x1 + w0, x1, x1 + w0], ys = [y1, y1, y1 + h0, y1 + h0];
    let lx = Infinity, ly = Infinity, hx = -Infinity, hy = -Infinity;
    for (let k = 0; k < 4; k++) {
      const X = m[0] * xs[k] + m[1] * ys[k] + m[2], Y = m[3] * xs[k] + m[4] * ys[k] + m[5];
      lx = Math.min(lx, X); hx = Math.max(hx, X); ly = Math.min(ly, Y); hy = Math.max(hy, Y);
    }
    lx = Math.max(0, lx); ly = Math.max(0, ly); hx = Math.min(outW, hx); hy = Math.min(outH, hy);
    const w = hx - lx, h = hy - ly;
    if (w <= minPx || h <= minPx) continue;
    if ((w * h) / (w0 * h0 * gain * gain + 1e-16) <= areaRatio) continue;
    if (Math.max(w / (h + 1e-16), h / (w + 1e-16)) >= maxAspect) continue;
    out.push(labels[i], (lx + hx) / 2 / outW, (ly + hy) / 2 / outH, w / outW, h / outH);
  }
  return Float32Array.from(out);
}

/** Applies a given matrix to image and labels; the identity (same size) returns the input unchanged. */
export function applyAffine(input: Labeled, m: Mat, outW: number, outH: number, fill = 114): Labeled {
  const { img } = input;
  if (isIdentity(m) && outW === img.width && outH === img.height) return { img: { ...img, data: img.data.slice() }, labels: input.labels.slice() };
  return { img: warpAffine(img, m, outW, outH, fill), labels: transformBoxes(input.labels, m, img.width, img.height, outW, outH) };
}

export function randomAffine(input: Labeled, rng: Rng, o: AffineOptions): Labeled {
  const outW = o.outWidth ?? input.img.width, outH = o.outHeight ?? input.img.height;
  const m = affineMatrix(input.img.width, input.img.height, outW, outH, {
    angle: rng.uniform(-o.degrees, o.degrees),
    scale: rng.uniform(1 - o.scale, 1 + o.scale),
    shearX: rng.uniform(-o.shear, o.shear),
    shearY: rng.uniform(-o.shear, o.shear),
    tx: rng.uniform(0.5 - o.translate, 0.5 + o.translate),
    ty: rng.uniform(0.5 - o.translate, 0.5 + o.translate),
  });
  return applyAffine(input, m, outW, outH, o.fill);
}
