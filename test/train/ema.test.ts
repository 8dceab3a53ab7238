// ModelEMA against hand-computed values; buffers copied; no tensor leak.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Module, Conv2d, BatchNorm2d, Sequential } from '../../src/nn/index.js';
import { ModelEMA } from '../../src/train/ema.js';

class Tiny extends Module {
  readonly w = this.registerParameter('w', torch.tensor([1, 2, 3]))!;
  readonly running = this.registerBuffer('running', torch.tensor([10, 20]))!;
  readonly count = this.registerBuffer('count', torch.tensor([5], { dtype: 'int64' }))!;
  forward(): void {}
  set(w: number[], running: number[], count: number): void {
    torch.noGrad(() => torch.tidy(() => {
      this.w.copy_(torch.tensor(w));
      this.running.copy_(torch.tensor(running));
      this.count.fill_(count);
    }));
  }
}

function near(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) < 1e-6 * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${a} != ${expected[i]}`));
}

test('ema = d * ema + (1 - d) * w with d = decay * (1 - exp(-updates / tau)); buffers copied', () => {
  const start = torch.memory().tensors;
  const model = new Tiny();
  const ema = new ModelEMA(model, { decay: 0.9, tau: 1 });
  assert.deepEqual([...ema.stateDict().keys()], ['w', 'running', 'count']);
  const d1 = 0.9 * (1 - Math.exp(-1)); // 0.5689085029457019
  const d2 = 0.9 * (1 - Math.exp(-2)); // 0.7781982450870486
  assert.ok(Math.abs(ema.decayAt(1) - 0.5689085029457019) < 1e-15);
  model.set([2, 4, 6], [11, 21], 6);
  ema.update(model);
  const sd = ema.stateDict();
  near(sd.get('w')!.toArray() as number[], [1 * d1 + 2 * (1 - d1), 2 * d1 + 4 * (1 - d1), 3 * d1 + 6 * (1 - d1)], 'w after 1');
  near(sd.get('w')!.toArray() as number[], [1.4310914970542981, 2.862182994108596, 4.293274491162894], 'w after 1 (by hand)');
  assert.deepEqual(sd.get('running')!.toArray(), [11, 21]);
  assert.deepEqual(sd.get('count')!.toArray(), [6]);
  assert.equal(sd.get('count')!.dtype, 'int64');
  model.set([0, 0, 0], [12, 22], 7);
  ema.update(model);
  near(sd.get('w')!.toArray() as number[], [1.4310914970542981 * d2, 2.862182994108596 * d2, 4.293274491162894 * d2], 'w after 2');
  assert.equal(ema.updates, 2);
  // the model's own tensors are untouched and the shadow is not the model's
  assert.deepEqual(model.w.toArray(), [0, 0, 0]);
  assert.equal(sd.get('w')!.requiresGrad, false);
  // copyTo puts the average into a module; loadStateDict restores one
  const other = new Tiny();
  ema.copyTo(other);
  near(other.w.toArray() as number[], sd.get('w')!.toArray() as number[], 'copyTo');
  const fresh = new Tiny();
  const again = new ModelEMA(fresh, { decay: 0.9, tau: 1 });
  again.loadStateDict(ema.stateDict(), ema.updates);
  assert.equal(again.updates, 2);
  near(again.stateDict().get('w')!.toArray() as number[], sd.get('w')!.toArray() as number[], 'loadStateDict');
  again.dispose();
  fresh.dispose();
  other.dispose();
  // averageBuffers: floating buffers averaged too, integer ones still copied
  const m2 = new Tiny();
  const e2 = new ModelEMA(m2, { decay: 0.9, tau: 1, averageBuffers: true });
  m2.set([1, 2, 3], [20, 40], 9);
  e2.update(m2);
  near(e2.stateDict().get('running')!.toArray() as number[], [10 * d1 + 20 * (1 - d1), 20 * d1 + 40 * (1 - d1)], 'averaged buffer');
  assert.deepEqual(e2.stateDict().get('count')!.toArray(), [9]);
  e2.dispose();
  m2.dispose();
  ema.dispose();
  model.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('no tensor leak over training-like updates of a conv + batch-norm model', () => {
  torch.manualSeed(1);
  const start = torch.memory().tensors;
  const net = new Sequential(new Conv2d(3, 8, 3, { padding: 1, bias: false }), new BatchNorm2d(8));
  const ema = new ModelEMA(net); // defaults 0.9999, tau 2000
  const opt = new torch.optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
  const afterSetup = torch.memory().tensors;
  for (let i = 0; i < 20; i++) {
    torch.tidy(() => {
      const y = net.forward(torch.randn([2, 3, 8, 8])) as torch.Tensor;
      y.square().mean().backward();
    });
    opt.step();
    opt.zeroGrad();
    ema.update(net);
    if (i === 0) assert.ok(Math.abs(ema.decayAt(1) - 0.9999 * (1 - Math.exp(-1 / 2000))) < 1e-15);
  }
  // optimizer momentum buffers appear after the first step: one per parameter
  assert.equal(torch.memory().tensors, afterSetup + net.parameters().length);
  // BatchNorm running statistics are copies of the model's
  const sd = ema.stateDict();
  assert.deepEqual(sd.get('1.running_mean')!.toArray(), (net.stateDict().get('1.running_mean')!.toArray()));
  assert.deepEqual(sd.get('1.num_batches_tracked')!.toArray(), [20]);
  opt.disposeState();
  ema.dispose();
  net.dispose();
  assert.equal(torch.memory().tensors, start);
});
