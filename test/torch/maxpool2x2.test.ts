// F.maxPool2d(x, 2, stride 2) (native/src/maxpool2x2.cpp) against aten's own
// max_pool2d in this process, bit for bit: values and input gradients, with
// ties, ±0, -inf and NaN in windows, odd heights and widths, widths that leave
// vector tails, 3-D and 4-D inputs, float32 and float64; and a hand-worked case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { F } from '../../src/torch/index.js';

function awkward(shape: number[], dtype: 'float32' | 'float64'): torch.Tensor {
  // rounded values (many ties), then some ±0, -inf and NaN
  const x = torch.randn(shape, { dtype }).mul(2).round();
  const flat = x.view([-1]);
  const n = flat.shape[0];
  const put = (i: number, v: number) => flat.narrow(0, i % n, 1).fill_(v);
  for (let i = 0; i < n; i += 7) put(i, -0);
  for (let i = 3; i < n; i += 11) put(i, 0);
  for (let i = 5; i < n; i += 13) put(i, -Infinity);
  for (let i = 2; i < n; i += 29) put(i, Number.NaN);
  return x;
}

const sameBits = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

test('maxPool2d 2/2: values and gradients are aten::max_pool2d\'s, bit for bit', () => {
  torch.manualSeed(9);
  const start = torch.memory().tensors;
  torch.tidy(() => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const shape of [[2, 3, 8, 8], [1, 2, 7, 9], [3, 5, 38], [2, 2, 6, 37], [1, 1, 2, 2], [2, 4, 11, 50]].map((s) => (s.length === 3 ? [s[0], s[1], s[2], s[2] + 1] : s))) {
        for (const dims of [4, 3]) {
          const base = awkward(shape, dtype);
          const x0 = dims === 4 ? base : base.view([shape[0] * shape[1], shape[2], shape[3]]);
          const outShape = [...x0.shape.slice(0, -2), Math.floor(x0.shape[x0.shape.length - 2] / 2), Math.floor(x0.shape[x0.shape.length - 1] / 2)];
          const gy = torch.randn(outShape, { dtype });
          const run = (ours: boolean) => {
            const x = x0.clone().requiresGrad_();
            const y = ours ? F.maxPool2d(x, 2, { stride: 2 }) : torch.op('aten::max_pool2d', x, 2, 2, 0, 1, false);
            y.backward(gy);
            return [y.detach().toArray(), x.grad!.toArray()];
          };
          const [ours, aten] = [run(true), run(false)];
          assert.ok(sameBits(ours[0], aten[0]), `[${x0.shape}] ${dtype}: values differ`);
          assert.ok(sameBits(ours[1], aten[1]), `[${x0.shape}] ${dtype}: gradients differ`);
        }
      }
    }
  });
  assert.equal(torch.memory().tensors, start);
});

test('maxPool2d 2/2 worked by hand: first of tied maxima, NaN wins, odd last row and column get no gradient', () => {
  torch.tidy(() => {
    const x = torch.tensor([
      [1, 3, 3, 0, 9],
      [2, 3, Number.NaN, 1, 9],
      [-Infinity, -Infinity, 4, 4, 9],
    ]).view([1, 1, 3, 5]).requiresGrad_();
    const y = F.maxPool2d(x, 2, { stride: 2 });
    assert.deepEqual(y.shape, [1, 1, 1, 2]);
    const v = y.toArray();
    assert.equal(v[0], 3);
    assert.ok(Number.isNaN(v[1]));
    y.backward(torch.tensor([10, 20]).view([1, 1, 1, 2]));
    assert.deepEqual(x.grad!.toArray(), [0, 10, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0]);
  });
});
