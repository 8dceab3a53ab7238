// resizeRgbInto (what prepareInput runs) against darknetResize on
// toCHWFloat's planes (the resize the darknet parity test holds to C
// darknet's resize_image): the same float32 values, bit for bit, down- and
// up-scaling, one-pixel sides, and placed inside a larger target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCHWFloat } from '../../src/data/chw.js';
import { darknetResize, prepareBatchHwc, prepareInput } from '../../src/detect/preprocess.js';
import { resizeRgbInto } from '../../src/detect/resize_rgb.js';
import type { RgbImage } from '../../src/data/image.js';

function randomImage(width: number, height: number, seed: number): RgbImage {
  let s = seed;
  const data = Uint8Array.from({ length: width * height * 3 }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 255);
  return { data, width, height };
}

function firstDifference(a: Float32Array, b: Float32Array): string | null {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `at ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

const SIZES: [number, number, number, number][] = [
  [768, 576, 416, 312], [1352, 900, 416, 277], [97, 131, 416, 416], [416, 312, 416, 312],
  [640, 480, 1, 1], [1, 50, 7, 9], [50, 1, 9, 7], [1, 1, 5, 3], [300, 200, 2, 3], [13, 17, 608, 320],
];

test('resizeRgbInto equals darknetResize(toCHWFloat(img)) bit for bit', () => {
  SIZES.forEach(([w, h, nw, nh], i) => {
    const img = randomImage(w, h, i + 1);
    const expected = darknetResize(toCHWFloat(img), w, h, nw, nh);
    const out = new Float32Array(3 * nw * nh);
    resizeRgbInto(img, nw, nh, { out, width: nw, height: nh, left: 0, top: 0 });
    assert.equal(firstDifference(out, expected), null, `${w}x${h} -> ${nw}x${nh}`);
  });
});

test('resizeRgbInto writes only its rectangle of a larger target', () => {
  const img = randomImage(200, 150, 7);
  const [nw, nh, W, H, left, top] = [41, 30, 50, 44, 5, 9];
  const planes = darknetResize(toCHWFloat(img), 200, 150, nw, nh);
  const expected = new Float32Array(3 * W * H).fill(0.5);
  for (let k = 0; k < 3; k++) for (let r = 0; r < nh; r++) for (let c = 0; c < nw; c++) expected[k * W * H + (r + top) * W + left + c] = planes[k * nw * nh + r * nw + c];
  const out = new Float32Array(3 * W * H).fill(0.5);
  resizeRgbInto(img, nw, nh, { out, width: W, height: H, left, top });
  assert.equal(firstDifference(out, expected), null);
});

test('prepareBatchHwc holds prepareInput of each image, channels-last, with the same geometry', () => {
  const images = [randomImage(300, 170, 3), randomImage(120, 260, 4)];
  for (const mode of ['letterbox', 'stretch'] as const) {
    const [W, H] = [96, 64];
    const { data, geometries } = prepareBatchHwc(images, W, H, mode);
    images.forEach((img, i) => {
      const one = prepareInput(img, W, H, mode);
      assert.deepEqual(geometries[i], one.geometry);
      const chw = new Float32Array(3 * W * H);
      for (let p = 0; p < W * H; p++) for (let k = 0; k < 3; k++) chw[k * W * H + p] = data[i * 3 * W * H + p * 3 + k];
      assert.equal(firstDifference(chw, one.data), null, `${mode} image ${i}`);
    });
  }
});
