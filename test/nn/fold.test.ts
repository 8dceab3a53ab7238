// Batch-norm folding and the caches of derived inference tensors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { DerivedTensors, foldAffineIntoConv, toChannelsLast } from '../../src/nn/index.js';

test('foldAffineIntoConv: conv·s + t as one conv, hand-computed', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const w = torch.tensor([[[[2]]], [[[3]]]]);
    const b = torch.tensor([1, -1]);
    const s = torch.tensor([0.5, 2], { dtype: 'float64' });
    const t = torch.tensor([10, 20], { dtype: 'float64' });
    const f = foldAffineIntoConv(w, b, s, t);
    assert.deepEqual(f.weight.shape, [2, 1, 1, 1]);
    assert.deepEqual(f.weight.toArray(), [1, 6]);
    assert.deepEqual(f.bias.toArray(), [10.5, 18]);
    assert.equal(f.weight.dtype, 'float32');
    const noBias = foldAffineIntoConv(w, null, s, t);
    assert.deepEqual(noBias.bias.toArray(), [10, 20]);
  });
  assert.equal(torch.memory().tensors, start);
});

test('foldAffineIntoConv rounds once: the float64 product of the float32 values, then float32', () => {
  torch.tidy(() => {
    const third = Math.fround(1 / 3);
    const w = torch.tensor([[[[third]]]]);
    const scale = 3.0000001; // not a float32: folding in float32 would round it first
    const f = foldAffineIntoConv(w, null, torch.tensor([scale], { dtype: 'float64' }), torch.tensor([0], { dtype: 'float64' }));
    assert.equal(f.weight.dataSync()[0], Math.fround(third * scale));
  });
});

test('DerivedTensors rebuilds after an in-place write or a replaced source, not otherwise', () => {
  const start = torch.memory().tensors;
  const a = torch.keep(torch.tensor([1, 2, 3]));
  let builds = 0;
  const cache = new DerivedTensors(() => {
    builds++;
    return { twice: a.mul(2) };
  });
  assert.deepEqual(cache.get([a]).twice.toArray(), [2, 4, 6]);
  cache.get([a]);
  assert.equal(builds, 1);
  const [v] = torch.tensorVersions([a]);
  torch.tidy(() => torch.noGrad(() => void a.view([3]).add_(1))); // through a view: the version counter is shared
  assert.ok(torch.tensorVersions([a])[0] > v);
  assert.deepEqual(cache.get([a]).twice.toArray(), [4, 6, 8]);
  assert.equal(builds, 2);
  const b = torch.keep(torch.tensor([1, 2, 3]));
  cache.get([b]);
  assert.equal(builds, 3, 'another tensor object is another source');
  cache.dispose();
  torch.dispose([a, b]);
  assert.equal(torch.memory().tensors, start);
});

test('toChannelsLast keeps shape and values, changes strides', () => {
  torch.tidy(() => {
    const x = torch.arange(24).float().view([1, 4, 2, 3]);
    const y = toChannelsLast(x);
    assert.deepEqual(y.shape, [1, 4, 2, 3]);
    assert.deepEqual(y.stride(), [24, 1, 12, 4]);
    assert.deepEqual(y.toArray(), x.toArray());
  });
});
