// Native memory is freed deterministically: scopes, dispose, and a training loop that leaks nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Conv2d, BatchNorm2d, LeakyReLU, Sequential } from '../../src/nn/index.js';

test('tidy frees what it created, keeps what it returns, frees all on throw', () => {
  const start = torch.memory().tensors;
  const kept = torch.tidy(() => {
    const a = torch.ones([3]);
    const inner = torch.tidy(() => a.mul(2).add(1)); // moves to the outer scope
    return { value: inner.mul(a), list: [inner] };
  });
  assert.equal(torch.memory().tensors, start + 2);
  assert.deepEqual(kept.value.tolist(), [3, 3, 3]);
  torch.dispose(kept);
  assert.equal(torch.memory().tensors, start);
  assert.throws(() => torch.tidy(() => {
    torch.zeros([100]);
    throw new Error('boom');
  }), /boom/);
  assert.equal(torch.memory().tensors, start);
  const t = torch.ones([2]);
  t.dispose();
  t.dispose(); // idempotent
  assert.throws(() => t.add(1), /disposed/);
  assert.equal(torch.memory().tensors, start);
  assert.throws(() => torch.tidy(() => Promise.resolve(1)), /Promise/);
});

test('memory() counts bytes of distinct storages', () => {
  torch.tidy(() => {
    const before = torch.memory();
    const a = torch.zeros([1000]);
    a.view([10, 100]); // a view shares the storage
    const after = torch.memory();
    assert.equal(after.tensors - before.tensors, 2);
    assert.equal(after.bytes - before.bytes, 4000);
  });
});

test('100 training steps of a small conv+BN net keep the live-tensor count constant', () => {
  torch.manualSeed(1);
  const start = torch.memory().tensors;
  const net = new Sequential(new Conv2d(3, 8, 3, { padding: 1, bias: false }), new BatchNorm2d(8), new LeakyReLU(0.1), new Conv2d(8, 1, 1));
  const opt = new torch.optim.Adam(net.parameters(), { lr: 1e-2, weightDecay: 1e-4 });
  const x = torch.randn([4, 3, 8, 8]);
  const target = torch.randn([4, 1, 8, 8]);
  const counts: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < 100; i++) {
    const loss = torch.tidy(() => {
      opt.zeroGrad();
      const l = torch.F.mseLoss(net.forward(x), target);
      l.backward();
      opt.step();
      return l.item();
    });
    losses.push(loss);
    counts.push(torch.memory().tensors);
  }
  // after the first step the optimizer state exists; from then on nothing may grow
  assert.ok(counts.slice(1).every((c) => c === counts[1]), `live tensors changed: ${counts[1]} -> ${counts[counts.length - 1]}`);
  assert.ok(losses[99] < losses[0] * 0.8, `loss did not fall: ${losses[0]} -> ${losses[99]}`);
  opt.zeroGrad();
  opt.disposeState();
  net.dispose();
  x.dispose();
  target.dispose();
  assert.equal(torch.memory().tensors, start);
});
