// darknet's maxpool padding (floor(p/2) before, the rest after, -inf) where it
// cannot be read and where it is: values worked by hand, and gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { maxpool } from '../../src/darknet/layers.js';
import type { MaxPoolSpec } from '../../src/darknet/specs.js';

const spec = (size: number, stride: number, padding: number) => ({ type: 'maxpool', index: 0, where: { line: 1 }, size, stride, padding }) as unknown as MaxPoolSpec;

test('maxpool 2/2 with padding 1: even map (padding never read) and odd map (its last column and row read)', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    // 4x4: values 0..15 row by row; each 2x2 window's max is its bottom-right value
    const even = torch.arange(16).float().view([1, 1, 4, 4]).requiresGrad_();
    const y = maxpool(spec(2, 2, 1), even);
    assert.deepEqual(y.shape, [1, 1, 2, 2]);
    assert.deepEqual(y.toArray(), [5, 7, 13, 15]);
    y.backward(torch.tensor([1, 2, 3, 4]).view([1, 1, 2, 2]));
    assert.deepEqual(even.grad!.toArray(), [0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4]);
    // 5x5: 3x3 outputs, the last windows half -inf padding: their maxima are column 4 / row 4 values
    const odd = torch.arange(25).float().view([1, 1, 5, 5]).requiresGrad_();
    const z = maxpool(spec(2, 2, 1), odd);
    assert.deepEqual(z.shape, [1, 1, 3, 3]);
    assert.deepEqual(z.toArray(), [6, 8, 9, 16, 18, 19, 21, 23, 24]);
    z.sum().backward();
    const expected = new Array(25).fill(0);
    for (const i of [6, 8, 9, 16, 18, 19, 21, 23, 24]) expected[i] = 1;
    assert.deepEqual(odd.grad!.toArray(), expected);
  });
  assert.equal(torch.memory().tensors, start);
});

test('maxpool 2/1 with padding 1 (yolov3-tiny\'s last): the -inf column and row after are read', () => {
  torch.tidy(() => {
    const x = torch.tensor([1, 5, 3, 2]).float().view([1, 1, 2, 2]);
    // windows at (0,0) (0,1) (1,0) (1,1); the ones past the edge see only x and -inf
    assert.deepEqual(maxpool(spec(2, 1, 1), x).toArray(), [5, 5, 3, 2]);
  });
});
