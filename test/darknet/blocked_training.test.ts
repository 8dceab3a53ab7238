// A training forward and backward on the blocked layout (Darknet.#run with
// ConvBlock.forwardTraining, nn/blocked_train.ts) against the same model on
// aten's plain path (YOLO_TRAIN_BLOCK=0), on blocked_cfg.ts (every blocked
// layer and fallback: routes of part blocks, a logistic shortcut, mish and
// relu convolutions, a depthwise one, maxpools, upsample, two heads): the
// heads, every parameter's gradient and the running statistics agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Darknet, parseCfg } from '../../src/darknet/index.js';
import { BatchNorm2d, trainingBlockSize } from '../../src/nn/index.js';
import { BLOCKED_CFG } from './blocked_cfg.js';
import { randomizeWeights } from './parity_support.js';

const hasOps = torch.hasOp('yolo::dnnl_conv_train') && torch.hasOp('yolo::batchnorm_leaky_blocked');
const relDiff = (a: torch.Tensor, b: torch.Tensor) => torch.tidy(() => (a.sub(b).abs().max().item() as number) / Math.max(1e-30, b.abs().max().item() as number));

/** One training forward + backward of sum(head · seeded random weights) under YOLO_TRAIN_BLOCK=value: heads and gradients by name (the caller disposes). */
function step(model: Darknet, x: torch.Tensor, value: string): { heads: torch.Tensor[]; grads: Map<string, torch.Tensor> } {
  const saved = process.env.YOLO_TRAIN_BLOCK;
  process.env.YOLO_TRAIN_BLOCK = value;
  try {
    for (const [, p] of model.namedParameters()) p.grad?.zero_();
    const heads = model.forwardHeads(x);
    torch.tidy(() => {
      torch.manualSeed(11);
      heads.map((h) => h.mul(torch.randn(h.shape)).sum()).reduce((a, b) => a.add(b)).backward();
    });
    const grads = new Map([...model.namedParameters()].map(([name, p]) => [name, p.grad!.clone()]));
    return { heads: heads.map((h) => torch.noGrad(() => h.detach())), grads };
  } finally {
    if (saved === undefined) delete process.env.YOLO_TRAIN_BLOCK;
    else process.env.YOLO_TRAIN_BLOCK = saved;
  }
}

test('a blocked training step equals the plain one: heads, all gradients, running statistics', { skip: !hasOps && 'no oneDNN training ops' }, () => {
  assert.ok(trainingBlockSize({ YOLO_TRAIN_BLOCK: '1' }) > 0);
  const start = torch.memory().tensors;
  const [blocked, plain] = [0, 1].map(() => {
    const m = new Darknet(parseCfg(BLOCKED_CFG)).train();
    randomizeWeights(m, 5);
    return m;
  });
  torch.tidy(() => {
    const x = torch.rand([2, 3, 64, 64]);
    const b = step(blocked, x, '1');
    const p = step(plain, x, '0');
    b.heads.forEach((h, i) => assert.ok(relDiff(h, p.heads[i]) < 1e-5, `head ${i}: ${relDiff(h, p.heads[i])}`));
    for (const [name, g] of p.grads) assert.ok(relDiff(b.grads.get(name)!, g) < 1e-4, `${name}: gradient differs by ${relDiff(b.grads.get(name)!, g)} (relative)`);
    const bns = (m: Darknet) => [...m.namedModules()].filter(([, mod]) => mod instanceof BatchNorm2d) as [string, BatchNorm2d][];
    const plainBns = new Map(bns(plain));
    for (const [name, bn] of bns(blocked)) {
      const ref = plainBns.get(name)!;
      assert.ok(relDiff(bn.runningMean, ref.runningMean) < 1e-5 && relDiff(bn.runningVar, ref.runningVar) < 1e-5, `${name}: running statistics`);
      assert.equal(bn.numBatchesTracked.item(), 1, `${name}: batches tracked`);
    }
    torch.dispose([b.heads, p.heads, [...b.grads.values()], [...p.grads.values()]]);
  });
  blocked.dispose();
  plain.dispose();
  assert.equal(torch.memory().tensors, start);
});
