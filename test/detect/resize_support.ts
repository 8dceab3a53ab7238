// Shared by the resize tests (resize_rgb.test.ts, the JavaScript resize;
// preprocess_native.test.ts, the native one): seeded random images, the
// sizes both are checked at, and a bitwise float comparison.
import assert from 'node:assert/strict';
import type { RgbImage } from '../../src/data/image.js';

export function randomImage(width: number, height: number, seed: number): RgbImage {
  let s = seed;
  const data = Uint8Array.from({ length: width * height * 3 }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 255);
  return { data, width, height };
}

export function firstDifference(a: Float32Array, b: Float32Array): string | null {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `at ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

/** [width, height, new width, new height]: down- and up-scaling, one-pixel sides, identity. */
export const SIZES: [number, number, number, number][] = [
  [768, 576, 416, 312], [1352, 900, 416, 277], [97, 131, 416, 416], [416, 312, 416, 312],
  [640, 480, 1, 1], [1, 50, 7, 9], [50, 1, 9, 7], [1, 1, 5, 3], [300, 200, 2, 3], [13, 17, 608, 320],
];
