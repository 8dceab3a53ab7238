// resizeRgbInto (what prepareInput runs) against darknetResize on
// toCHWFloat's planes (the resize the darknet parity test holds to C
// darknet's resize_image): the same float32 values, bit for bit, down- and
// up-scaling, one-pixel sides, and placed inside a larger target.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toCHWFloat } from '../../src/data/chw.js';
import { darknetResize } from '../../src/detect/preprocess.js';
import { resizeRgbInto } from '../../src/detect/resize_rgb.js';
import { firstDifference, randomImage, SIZES } from './resize_support.js';

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
