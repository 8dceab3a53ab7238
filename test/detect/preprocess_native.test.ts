// The libtorch Detector's pre-processing (prepareBatchTensor, the native
// yolo::resize_rgb_into) against darknetResize on toCHWFloat's planes (the
// planar resize the darknet parity test holds to C darknet's resize_image)
// and against prepareInput (the JavaScript path onnxruntime and the browser
// run): the same float32 values bit for bit, the same geometry; bad
// arguments refused with the op's name; no tensor left behind, also when
// an image's bytes do not match its size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { toCHWFloat } from '../../src/data/chw.js';
import { darknetResize, prepareInput } from '../../src/detect/preprocess.js';
import { prepareBatchTensor } from '../../src/detect/preprocess_native.js';
import { firstDifference, randomImage, SIZES } from './resize_support.js';

/** Image i of a [B, H, W, 3] tensor as CHW planes. */
function planes(input: torch.Tensor, i: number): Float32Array {
  return torch.tidy(() => input.select(0, i).permute([2, 0, 1]).dataSync() as Float32Array);
}

test('stretched to its own size, each image equals darknetResize(toCHWFloat(img)) bit for bit', () => {
  SIZES.forEach(([w, h, nw, nh], i) => {
    const img = randomImage(w, h, i + 1);
    const { input, geometries } = prepareBatchTensor([img], nw, nh, 'stretch');
    try {
      assert.deepEqual(input.shape, [1, nh, nw, 3]);
      assert.equal(firstDifference(planes(input, 0), darknetResize(toCHWFloat(img), w, h, nw, nh)), null, `${w}x${h} -> ${nw}x${nh}`);
      assert.deepEqual(geometries[0], prepareInput(img, nw, nh, 'stretch').geometry);
    } finally {
      input.dispose();
    }
  });
});

test('a batch holds prepareInput of each image (letterboxed on grey, or stretched) with the same geometry', () => {
  const images = [randomImage(300, 170, 3), randomImage(120, 260, 4), randomImage(64, 64, 5)];
  const [W, H] = [96, 64];
  for (const mode of ['letterbox', 'stretch'] as const) {
    const { input, geometries } = prepareBatchTensor(images, W, H, mode);
    try {
      images.forEach((img, i) => {
        const js = prepareInput(img, W, H, mode);
        assert.deepEqual(geometries[i], js.geometry);
        assert.equal(firstDifference(planes(input, i), js.data), null, `${mode} image ${i}`);
      });
    } finally {
      input.dispose();
    }
  }
});

test('resize_rgb_into writes the image at (left, top), the background around it when given, and nothing else', () => {
  const img = randomImage(200, 150, 7);
  const [nw, nh, W, H, left, top] = [41, 30, 50, 44, 5, 9];
  const planes = darknetResize(toCHWFloat(img), 200, 150, nw, nh);
  for (const background of [0.5, null]) {
    const expected = new Float32Array(H * W * 3).fill(background ?? 7);
    for (let k = 0; k < 3; k++) for (let r = 0; r < nh; r++) for (let c = 0; c < nw; c++) expected[((r + top) * W + left + c) * 3 + k] = planes[k * nw * nh + r * nw + c];
    const got = torch.tidy(() => {
      const out = torch.full([H, W, 3], 7);
      torch.op('yolo::resize_rgb_into', torch.tensor(img.data, { shape: [150, 200, 3] }), nw, nh, out, left, top, background);
      return out.dataSync() as Float32Array;
    });
    assert.equal(firstDifference(got, expected), null, `background ${background}`);
  }
});

test('resize_rgb_into refuses a rectangle outside the output, a wrong dtype or layout, naming itself', () => {
  torch.tidy(() => {
    const src = torch.tensor(randomImage(10, 8, 1).data, { shape: [8, 10, 3] });
    const out = torch.zeros([16, 16, 3]);
    assert.throws(() => torch.op('yolo::resize_rgb_into', src, 10, 10, out, 8, 0), /resize_rgb_into: a 10x10 image at \(8, 0\) does not fit the 16x16 output/);
    assert.throws(() => torch.op('yolo::resize_rgb_into', src.float(), 4, 4, out, 0, 0), /resize_rgb_into: src must be a contiguous uint8/);
    assert.throws(() => torch.op('yolo::resize_rgb_into', src, 4, 4, out.permute([1, 0, 2]), 0, 0), /resize_rgb_into: out must be a contiguous float32/);
    assert.throws(() => torch.op('yolo::resize_rgb_into', src, 0, 4, out, 0, 0), /does not fit/);
  });
});

test('preparing leaves the live-tensor count where it found it', () => {
  const images = [randomImage(50, 40, 2), randomImage(40, 50, 3)];
  const start = torch.memory().tensors;
  prepareBatchTensor(images, 32, 32, 'letterbox').input.dispose();
  assert.throws(() => prepareBatchTensor([{ data: new Uint8Array(5), width: 2, height: 2 }], 32, 32, 'letterbox'), /needs 12 bytes/);
  assert.equal(torch.memory().tensors, start);
});
