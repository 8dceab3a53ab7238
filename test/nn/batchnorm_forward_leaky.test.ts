// BatchNorm2d.forwardLeaky against leaky_relu_(forward(x)), the path it
// replaces in ConvBlock: outputs, running statistics, batch count and
// gradients the same bit for bit, in training and in eval mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { BatchNorm2d } from '../../src/nn/index.js';

const sameBits = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

test('forwardLeaky is leaky_relu_(forward(x)) bit for bit, training and eval', () => {
  torch.manualSeed(21);
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const x = torch.randn([3, 4, 9, 7]).mul(1.5).add(0.2), gy = torch.randn([3, 4, 9, 7]);
    const affine = [torch.randn([4]), torch.randn([4])];
    for (const training of [true, false]) {
      const run = (fused: boolean) => {
        const bn = new BatchNorm2d(4, { eps: 1e-6, momentum: 0.03 });
        torch.noGrad(() => {
          bn.weight.copy_(affine[0]);
          bn.bias.copy_(affine[1]);
        });
        bn.train(training);
        const xi = x.clone().requiresGrad_();
        const y = fused ? bn.forwardLeaky(xi, 0.1) : torch.opInPlace(bn.forward(xi), 'aten::leaky_relu_', 0.1);
        y.backward(gy);
        const out = [y, xi.grad!, bn.weight.grad!, bn.bias.grad!, bn.runningMean, bn.runningVar, bn.numBatchesTracked.double()].map((t) => t.toArray());
        bn.dispose();
        return out;
      };
      const fused = run(true), ops = run(false);
      fused.forEach((v, i) => assert.ok(sameBits(v, ops[i]), `training=${training}: result ${i} differs`));
    }
  });
  assert.equal(torch.memory().tensors, start);
});
