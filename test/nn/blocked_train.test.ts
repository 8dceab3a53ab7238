// Training on the blocked layout (nn/blocked_train.ts): the convolution
// against F.conv2d and the batch norm + leaky ReLU against F.batchNorm and
// F.leakyRelu on the same values, forward, running statistics and every
// gradient by autograd; zeros past C; bad inputs refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { BatchNorm2d, blockedBatchNormLeaky, blockedConv2d, fromBlocked, nativeBlockSize, toBlocked, trainingBlockSize } from '../../src/nn/index.js';

const hasOps = torch.hasOp('yolo::dnnl_conv_train') && torch.hasOp('yolo::batchnorm_leaky_blocked');
/** max |a - b| / max |b| */
const relDiff = (a: torch.Tensor, b: torch.Tensor) => torch.tidy(() => (a.sub(b).abs().max().item() as number) / Math.max(1e-30, b.abs().max().item() as number));
const tailMax = (t: torch.Tensor, channels: number) => torch.tidy(() => {
  const block = t.shape[4];
  return channels % block ? (t.select(1, t.shape[1] - 1).slice(3, channels % block, block).abs().max().item() as number) : 0;
});

test('trainingBlockSize: by default the CPU block on AVX-512 only; YOLO_TRAIN_BLOCK=1 on any, 0 turns it off, other values are refused by name', () => {
  assert.equal(trainingBlockSize({ YOLO_TRAIN_BLOCK: '0' }), 0);
  if (hasOps) {
    assert.equal(trainingBlockSize({}), nativeBlockSize() === 16 ? 16 : 0);
    assert.equal(trainingBlockSize({ YOLO_TRAIN_BLOCK: '1' }), nativeBlockSize());
  }
  assert.throws(() => trainingBlockSize({ YOLO_TRAIN_BLOCK: 'yes' }), /YOLO_TRAIN_BLOCK must be 0 or 1, got 'yes'/);
});

test('blockedConv2d equals F.conv2d forward and backward (input, weight, bias) for dense, strided, 1x1 with bias, depthwise and a plain first layer', { skip: !hasOps && 'no oneDNN training ops' }, () => {
  const start = torch.memory().tensors;
  for (const block of [8, 16]) {
    for (const [cin, cout, k, stride, groups, bias] of [[16, 24, 3, 1, 1, false], [24, 16, 3, 2, 1, false], [20, 255, 1, 1, 1, true], [24, 24, 3, 1, 24, false], [3, 16, 3, 1, 1, false]] as const) {
      torch.tidy(() => {
        const what = `block ${block} ${cin}->${cout} k${k} s${stride} g${groups}${bias ? ' bias' : ''}`;
        const g = { stride, padding: Math.floor(k / 2), groups };
        const x = torch.randn([2, cin, 11, 10]);
        const w = torch.randn([cout, cin / groups, k, k]).mul(0.2).requiresGrad_(true);
        const b = bias ? torch.randn([cout]).requiresGrad_(true) : null;
        const first = cin === 3; // read as nchw, no input gradient
        const xRef = first ? x : x.clone().requiresGrad_(true);
        const want = torch.F.conv2d(xRef, w, b, g);
        const gy = torch.randn(want.shape);
        want.mul(gy).sum().backward();
        const wantGrads = [w.grad!.clone(), b?.grad?.clone(), first ? null : xRef.grad!.clone()];
        w.grad!.zero_();
        b?.grad!.zero_();
        const xb = first ? x : toBlocked(x, block).requiresGrad_(true);
        const yb = blockedConv2d(xb, w, b, g, block);
        assert.deepEqual(yb.shape, [2, Math.ceil(cout / block), want.shape[2], want.shape[3], block], what);
        assert.equal(tailMax(yb, cout), 0, `${what}: zeros past C`);
        const y = fromBlocked(yb, cout);
        assert.ok(relDiff(y, want) < 1e-5, `${what}: output ${relDiff(y, want)}`);
        y.mul(gy).sum().backward();
        assert.ok(relDiff(w.grad!, wantGrads[0]!) < 1e-5, `${what}: weight grad ${relDiff(w.grad!, wantGrads[0]!)}`);
        if (b) assert.ok(relDiff(b.grad!, wantGrads[1]!) < 1e-5, `${what}: bias grad`);
        if (!first) {
          assert.ok(relDiff(fromBlocked(xb.grad!, cin), wantGrads[2]!) < 1e-5, `${what}: input grad ${relDiff(fromBlocked(xb.grad!, cin), wantGrads[2]!)}`);
          assert.equal(tailMax(xb.grad!, cin), 0, `${what}: input grad zero past C`);
        }
      });
    }
  }
  assert.equal(torch.memory().tensors, start);
});

test('blockedBatchNormLeaky equals F.batchNorm (training) + F.leakyRelu: output, running statistics, input/weight/bias gradients; zeros past C', { skip: !hasOps && 'no oneDNN training ops' }, () => {
  const start = torch.memory().tensors;
  for (const [channels, block] of [[32, 16], [24, 16], [12, 8], [40, 8]] as const) {
    torch.tidy(() => {
      const what = `${channels} channels, block ${block}`;
      const [ours, ref] = [new BatchNorm2d(channels, { momentum: 0.03, eps: 1e-5 }), new BatchNorm2d(channels, { momentum: 0.03, eps: 1e-5 })];
      torch.noGrad(() => {
        const gamma = torch.rand([channels]).add(0.5), beta = torch.randn([channels]);
        for (const m of [ours, ref]) { m.weight.copy_(gamma); m.bias.copy_(beta); }
      });
      const x = torch.randn([3, channels, 9, 7]).mul(2).add(0.5);
      const xRef = x.clone().requiresGrad_(true);
      const want = torch.F.leakyRelu(torch.F.batchNorm(xRef, ref.runningMean, ref.runningVar, { weight: ref.weight, bias: ref.bias, training: true, momentum: 0.03, eps: 1e-5 }), 0.1);
      const gz = torch.randn(want.shape);
      want.mul(gz).sum().backward();
      const xb = toBlocked(x, block).requiresGrad_(true);
      const zb = blockedBatchNormLeaky(ours, xb, 0.1);
      assert.equal(tailMax(zb, channels), 0, `${what}: zeros past C`);
      const z = fromBlocked(zb, channels);
      assert.ok(relDiff(z, want) < 1e-6, `${what}: output ${relDiff(z, want)}`);
      assert.ok(relDiff(ours.runningMean, ref.runningMean) < 1e-6 && relDiff(ours.runningVar, ref.runningVar) < 1e-6, `${what}: running statistics`);
      assert.equal(ours.numBatchesTracked.item(), 1);
      z.mul(gz).sum().backward();
      assert.ok(relDiff(fromBlocked(xb.grad!, channels), xRef.grad!) < 1e-5, `${what}: input grad ${relDiff(fromBlocked(xb.grad!, channels), xRef.grad!)}`);
      assert.equal(tailMax(xb.grad!, channels), 0, `${what}: input grad zero past C`);
      assert.ok(relDiff(ours.weight.grad!, ref.weight.grad!) < 1e-5, `${what}: weight grad`);
      assert.ok(relDiff(ours.bias.grad!, ref.bias.grad!) < 1e-5, `${what}: bias grad`);
      ours.dispose();
      ref.dispose();
    });
  }
  assert.equal(torch.memory().tensors, start);
});

test('the blocked training ops refuse what they cannot take, naming themselves', { skip: !hasOps && 'no oneDNN training ops' }, () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const bn = new BatchNorm2d(24);
    assert.throws(() => blockedBatchNormLeaky(bn, torch.randn([2, 3, 4, 4, 16]), 0.1), /batchnorm_leaky_blocked: 24 channels do not fill 3 blocks of 16/);
    assert.throws(() => blockedBatchNormLeaky(bn, torch.randn([2, 24, 4, 4]), 0.1), /batchnorm_leaky_blocked: x must be a contiguous float32 CPU tensor/);
    assert.throws(() => blockedConv2d(torch.randn([1, 2, 4, 4, 16]), torch.randn([8, 32, 3, 3]), null, { stride: 1, padding: 1, groups: 1 }, 8), /dnnl_conv_train: x must be blocked by 8/);
    bn.dispose();
  });
  assert.equal(torch.memory().tensors, start);
});
