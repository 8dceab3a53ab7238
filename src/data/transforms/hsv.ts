// Colour jitter in HSV with darknet's semantics (random_distort_image):
// hue shifted by up to +-hue of the colour circle, saturation and value
// (exposure) scaled by a factor in [1/s, s]. Labels are untouched.

import type { Rng } from '../rng.js';
import { type Labeled } from './types.js';

export interface HsvOptions {
  hue: number;
  saturation: number;
  exposure: number;
}

/** darknet's rand_scale: a factor in [1, s], inverted half the time. */
function randScale(rng: Rng, s: number): number {
  const f = rng.uniform(1, Math.max(1, s));
  return rng.chance(0.5) ? f : 1 / f;
}

export function randomHsv(input: Labeled, rng: Rng, o: HsvOptions): Labeled {
  const dh = rng.uniform(-o.hue, o.hue), ds = randScale(rng, o.saturation), dv = randScale(rng, o.exposure);
  return { img: { ...input.img, data: adjustHsv(input.img.data, dh, ds, dv) }, labels: input.labels };
}

/** Applies a hue shift (fraction of the circle) and saturation/value gains, clamped as darknet's constrain_image. */
export function adjustHsv(src: Uint8Array, dh: number, ds: number, dv: number): Uint8Array {
  const out = new Uint8Array(src.length);
  if (dh === 0 && ds === 1 && dv === 1) { out.set(src); return out; }
  const h6 = dh * 6;
  // Works in byte units (0..255) with plain comparisons: this runs for every pixel of every training image.
  for (let i = 0; i < src.length; i += 3) {
    const r = src[i], g = src[i + 1], b = src[i + 2];
    const max = r > g ? (r > b ? r : b) : (g > b ? g : b);
    const min = r < g ? (r < b ? r : b) : (g < b ? g : b);
    const delta = max - min;
    let h = 0;
    if (delta > 0) h = max === r ? (g - b) / delta : max === g ? 2 + (b - r) / delta : 4 + (r - g) / delta;
    h += h6;
    h -= 6 * Math.floor(h / 6);
    let sat = max > 0 ? (delta / max) * ds : 0;
    if (sat > 1) sat = 1;
    let v = max * dv;
    if (v > 255) v = 255;
    const c = v * sat, hi = h | 0, f = h - hi;
    const p = v - c, q = v - c * f, t = v - c * (1 - f);
    let R: number, G: number, B: number;
    switch (hi) {
      case 0: R = v; G = t; B = p; break;
      case 1: R = q; G = v; B = p; break;
      case 2: R = p; G = v; B = t; break;
      case 3: R = p; G = q; B = v; break;
      case 4: R = t; G = p; B = v; break;
      default: R = v; G = p; B = q;
    }
    out[i] = R + 0.5; out[i + 1] = G + 0.5; out[i + 2] = B + 0.5;
  }
  return out;
}
