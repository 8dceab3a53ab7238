// Modules: state dicts, loading with errors, modes, default initialisation,
// and layers against PyTorch's modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Module, Conv2d, BatchNorm2d, LeakyReLU, Sequential, ModuleList, MaxPool2d, Upsample } from '../../src/nn/index.js';
import { hasPython } from '../support/references.js';
import { Exchange, maxRelativeError } from '../support/exchange.js';

class Block extends Module {
  readonly conv = this.registerModule('conv', new Conv2d(3, 4, 3, { padding: 1, bias: false }));
  readonly bn = this.registerModule('bn', new BatchNorm2d(4));
  readonly act = new LeakyReLU(0.1);
  forward(x: torch.Tensor): torch.Tensor {
    return torch.tidy(() => this.act.forward(this.bn.forward(this.conv.forward(x))));
  }
}

test('state dict names, order and strict loading errors', () => {
  const start = torch.memory().tensors;
  const net = new Sequential(new Block(), new Conv2d(4, 2, 1));
  assert.deepEqual([...net.stateDict().keys()], [
    '0.conv.weight', '0.bn.weight', '0.bn.bias', '0.bn.running_mean', '0.bn.running_var', '0.bn.num_batches_tracked', '1.weight', '1.bias',
  ]);
  assert.equal(net.parameters().length, 5);
  assert.equal(net.namedBuffers().length, 3);
  const other = new Sequential(new Block(), new Conv2d(4, 2, 1));
  other.loadStateDict(net.stateDict());
  for (const [k, t] of other.stateDict()) assert.deepEqual(t.toArray(), net.stateDict().get(k)!.toArray(), k);
  torch.tidy(() => {
    const sd = new Map(net.stateDict());
    sd.delete('1.bias');
    sd.set('extra.weight', torch.ones([1]));
    sd.set('1.weight', torch.ones([2, 4, 3, 3]));
    assert.throws(() => other.loadStateDict(sd), (e: Error) =>
      /missing keys: 1\.bias/.test(e.message) && /unexpected keys: extra\.weight/.test(e.message) && /1\.weight: expected \[2,4,1,1\], got \[2,4,3,3\]/.test(e.message));
    sd.set('1.weight', torch.zeros([2, 4, 1, 1]));
    const r = other.loadStateDict(sd, { strict: false });
    assert.deepEqual(r.missing, ['1.bias']);
    assert.equal(other.stateDict().get('1.weight')!.abs().sum().item(), 0);
  });
  net.eval();
  assert.ok([...net.namedModules()].every(([, m]) => !m.training));
  net.dispose();
  other.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('to(dtype) casts floating parameters and buffers (values exactly, still trainable), leaves integer buffers, frees the old tensors', () => {
  const start = torch.memory().tensors;
  const net = new Sequential(new Block(), new Conv2d(4, 2, 1));
  const before = new Map([...net.stateDict()].map(([k, t]) => [k, { dtype: t.dtype, values: t.toArray() }]));
  assert.equal(net.to('float64'), net);
  assert.equal(torch.memory().tensors, start + before.size);
  for (const [k, t] of net.stateDict()) {
    const was = before.get(k)!;
    assert.equal(t.dtype, was.dtype === 'float32' ? 'float64' : was.dtype, k);
    assert.deepEqual(t.toArray(), was.values, k);
  }
  assert.deepEqual(net.parameters().map((p) => p.requiresGrad), [true, true, true, true, true]);
  torch.tidy(() => {
    const y = net.forward(torch.rand([2, 3, 5, 5]).double()) as torch.Tensor;
    assert.equal(y.dtype, 'float64');
    y.sum().backward();
  });
  assert.ok(torch.tidy(() => net.parameters().every((p) => p.grad?.dtype === 'float64')));
  assert.throws(() => net.to('int32'), /int32 is not a floating dtype/);
  net.to('float32');
  assert.deepEqual(net.parameters().map((p) => p.dtype), ['float32', 'float32', 'float32', 'float32', 'float32']);
  net.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('default initialisation follows PyTorch (kaiming uniform a=sqrt(5))', () => {
  torch.manualSeed(0);
  const conv = new Conv2d(64, 128, 3);
  const bound = 1 / Math.sqrt(64 * 9);
  const w = conv.weight.toArray();
  assert.ok(Math.max(...w.map(Math.abs)) <= bound);
  const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
  assert.ok(Math.abs(std - bound / Math.sqrt(3)) < 0.01 * bound, `std ${std}`);
  assert.ok(conv.bias!.toArray().every((v) => Math.abs(v) <= bound));
  conv.dispose();
  const list = new ModuleList([new LeakyReLU(), new Upsample({ scaleFactor: 2 })]);
  assert.equal(list.length, 2);
});

test('Conv2d, BatchNorm2d (train and eval), MaxPool2d and Upsample match torch.nn', (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  torch.manualSeed(2);
  const start = torch.memory().tensors;
  const ex = new Exchange();
  const conv = new Conv2d(3, 4, 3, { stride: 2, padding: 1 });
  const bn = new BatchNorm2d(4, { momentum: 0.03 });
  const pool = new MaxPool2d(2, { stride: 1, padding: [0, 1, 0, 1] });
  const up = new Upsample({ scaleFactor: 2 });
  try {
    torch.tidy(() => {
      const x = torch.randn([2, 3, 10, 10]);
      for (const [k, v] of [['x', x], ['w', conv.weight], ['b', conv.bias!]] as const) ex.put(k, v);
      ex.run(`
import torch.nn as nn
conv = nn.Conv2d(3, 4, 3, stride=2, padding=1)
bn = nn.BatchNorm2d(4, momentum=0.03)
with torch.no_grad():
    conv.weight.copy_(load('w')); conv.bias.copy_(load('b'))
x = load('x')
y1 = bn(conv(x))
y2 = bn(conv(x * 2))
save('y2', y2)
save('rm', bn.running_mean); save('rv', bn.running_var)
bn.eval()
y3 = bn(conv(x))
save('y3', y3)
save('pooled', nn.functional.max_pool2d(nn.functional.pad(y3, (0, 1, 0, 1), value=float('-inf')), 2, 1))
save('up', nn.Upsample(scale_factor=2, mode='nearest')(y3))
`);
      bn.forward(conv.forward(x));
      const y2 = bn.forward(conv.forward(x.mul(2)));
      assert.ok(maxRelativeError(y2.detach(), ex.get('y2')) < 1e-5);
      assert.ok(maxRelativeError(bn.runningMean, ex.get('rm')) < 1e-5);
      assert.ok(maxRelativeError(bn.runningVar, ex.get('rv')) < 1e-5);
      assert.equal(bn.numBatchesTracked.item(), 2);
      bn.eval();
      const y3 = bn.forward(conv.forward(x)).detach();
      assert.ok(maxRelativeError(y3, ex.get('y3')) < 1e-5);
      assert.ok(maxRelativeError(pool.forward(y3), ex.get('pooled')) < 1e-6);
      assert.ok(maxRelativeError(up.forward(y3), ex.get('up')) < 1e-6);
    });
  } finally {
    ex.close();
    conv.dispose();
    bn.dispose();
  }
  assert.equal(torch.memory().tensors, start);
});
