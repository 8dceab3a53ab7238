// What every transform takes and returns: an RGB image and its [n, 5]
// normalised labels (cls, x, y, w, h). Transforms never mutate their inputs.

import type { RgbImage } from '../image.js';

export interface Labeled {
  img: RgbImage;
  labels: Float32Array;
}

/** Normalised xywh rows to pixel corner rows [cls, x1, y1, x2, y2]. */
export function toPixelCorners(labels: Float32Array, width: number, height: number, dx = 0, dy = 0): Float32Array {
  const out = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i += 5) {
    const x = labels[i + 1] * width, y = labels[i + 2] * height, w = labels[i + 3] * width, h = labels[i + 4] * height;
    out[i] = labels[i];
    out[i + 1] = x - w / 2 + dx; out[i + 2] = y - h / 2 + dy;
    out[i + 3] = x + w / 2 + dx; out[i + 4] = y + h / 2 + dy;
  }
  return out;
}

/**
 * Pixel corner rows back to normalised xywh, clipped to the image; boxes
 * thinner than `minSize` pixels after clipping are dropped, so no label ever
 * points outside the image.
 */
export function fromPixelCorners(corners: Float32Array | number[], width: number, height: number, minSize = 0): Float32Array {
  const out: number[] = [];
  for (let i = 0; i < corners.length; i += 5) {
    const x1 = Math.max(0, Math.min(width, corners[i + 1])), x2 = Math.max(0, Math.min(width, corners[i + 3]));
    const y1 = Math.max(0, Math.min(height, corners[i + 2])), y2 = Math.max(0, Math.min(height, corners[i + 4]));
    if (x2 - x1 <= minSize || y2 - y1 <= minSize) continue;
    out.push(corners[i], (x1 + x2) / 2 / width, (y1 + y2) / 2 / height, (x2 - x1) / width, (y2 - y1) / height);
  }
  return Float32Array.from(out);
}

/** Concatenates label arrays. */
export function concatLabels(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
