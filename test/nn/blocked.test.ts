// The blocked layout (nn/blocked.ts): where each element of [N, C, H, W]
// lands in [N, ceil(C/b), H, W, b] (by index, from the layout's
// definition), zeros past C, the round trip; YOLO_DNNL_BLOCK's values; and
// PackedConv reading and writing blocked tensors against F.conv2d.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { PackedConv, blockSize, nativeBlockSize, fromBlocked, isBlocked, toBlocked, toChannelsLast } from '../../src/nn/index.js';

const maxDiff = (a: torch.Tensor, b: torch.Tensor) => torch.tidy(() => a.sub(b).abs().max().item() as number);
const hasBlocked = torch.hasOp('yolo::dnnl_block_size');

test('toBlocked puts x[n, c, h, w] at [n, floor(c/b), h, w, c mod b], zero past C; fromBlocked inverts it', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const [n, c, h, w, b] = [2, 11, 3, 4, 8];
    const x = torch.rand([n, c, h, w]);
    const y = toBlocked(toChannelsLast(x), b);
    assert.deepEqual(y.shape, [n, 2, h, w, b]);
    assert.ok(y.isContiguous());
    const xs = x.tolist() as number[][][][];
    const ys = y.tolist() as number[][][][][];
    for (let i = 0; i < n; i++) for (let k = 0; k < 2 * b; k++) for (let r = 0; r < h; r++) for (let q = 0; q < w; q++) {
      const got = ys[i][Math.floor(k / b)][r][q][k % b];
      assert.equal(got, k < c ? xs[i][k][r][q] : 0, `[${i}, ${k}, ${r}, ${q}]`);
    }
    const back = fromBlocked(y, c);
    assert.deepEqual(back.shape, [n, c, h, w]);
    assert.equal(maxDiff(back, x), 0);
    assert.ok(isBlocked(y) && !isBlocked(back));
  });
  assert.equal(torch.memory().tensors, start);
});

test('the default block by CPU and dense-kernel share; YOLO_DNNL_BLOCK: 0 turns the blocked layout off, 8 and 16 force a block, anything else is refused by name', { skip: !hasBlocked && 'no oneDNN ops' }, () => {
  assert.ok([8, 16].includes(nativeBlockSize()), `this CPU's block: ${nativeBlockSize()}`);
  assert.equal(blockSize({}), nativeBlockSize() === 8 ? 8 : 0, 'the default for a model of dense 3x3s: blocked on AVX2 only');
  // AVX-512: blocked for a model mostly of 1x1 and depthwise kernels (DENSE_SHARE_FOR_CHANNELS_LAST)
  assert.equal(blockSize({}, 0.04), nativeBlockSize());
  assert.equal(blockSize({}, 0.9), nativeBlockSize() === 8 ? 8 : 0);
  assert.equal(blockSize({ YOLO_DNNL_BLOCK: '0' }, 0.04), 0, 'the environment decides over the share');
  assert.equal(blockSize({ YOLO_DNNL_BLOCK: '0' }), 0);
  assert.equal(blockSize({ YOLO_DNNL_BLOCK: '16' }), 16);
  assert.throws(() => blockSize({ YOLO_DNNL_BLOCK: '4' }), /YOLO_DNNL_BLOCK must be 0, 8 or 16, got '4'/);
});

test('PackedConv on blocked inputs and outputs equals F.conv2d + leaky, for dense, 1x1 and depthwise kernels, channels not filling a block', { skip: !hasBlocked && 'no oneDNN ops' }, () => {
  const start = torch.memory().tensors;
  const packed = new PackedConv();
  torch.tidy(() => torch.noGrad(() => {
    for (const block of [8, 16]) {
      for (const [cin, cout, k, groups, stride] of [[3, 20, 3, 1, 1], [20, 12, 1, 1, 1], [12, 12, 3, 12, 2], [16, 24, 3, 1, 2], [24, 255, 1, 1, 1]] as const) {
        const w = toChannelsLast(torch.randn([cout, cin / groups, k, k]));
        const b = torch.randn([cout]);
        const g = { stride, padding: Math.floor(k / 2), groups };
        const x = torch.rand([2, cin, 10, 9]).sub(0.5);
        const want = torch.F.leakyRelu(torch.F.conv2d(x, w.contiguous(), b, g), 0.1);
        for (const [inBlocked, outBlock] of [[true, block], [true, 0], [false, block]] as const) {
          const input = inBlocked ? toBlocked(x, block) : toChannelsLast(x);
          const y = packed.forward(input, w, b, g, { kind: 'leaky', slope: 0.1 }, outBlock);
          const what = `block ${block} ${cin}->${cout} k${k} g${groups} s${stride} in ${inBlocked ? 'blocked' : 'nhwc'} out ${outBlock}`;
          // a blocked output where asked for one and oneDNN has a fast kernel for it; never where not asked
          if (!outBlock) assert.ok(!isBlocked(y), what);
          const got = isBlocked(y) ? fromBlocked(y, cout) : y;
          assert.deepEqual(got.shape, want.shape, what);
          assert.ok(maxDiff(got, want) < 1e-4, `${what}: differs by ${maxDiff(got, want)}`);
          if (isBlocked(y) && cout % block) assert.equal(y.slice(1, y.shape[1] - 1).slice(4, cout % block).abs().max().item(), 0, `${what}: zeros past C`);
        }
      }
    }
    // the block this CPU has a fast kernel for is what a 3x3 writes
    const w = toChannelsLast(torch.randn([16, 16, 3, 3]));
    assert.ok(isBlocked(packed.forward(toBlocked(torch.rand([1, 16, 8, 8]), nativeBlockSize()), w, null, { stride: 1, padding: 1, groups: 1 }, { kind: 'relu' }, nativeBlockSize())));
  }));
  packed.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('PackedConv.forwardInto adds into a blocked tensor in the same pass', { skip: !hasBlocked && 'no oneDNN ops' }, () => {
  const start = torch.memory().tensors;
  const packed = new PackedConv();
  torch.tidy(() => torch.noGrad(() => {
    const block = nativeBlockSize();
    const w = toChannelsLast(torch.randn([20, 20, 3, 3]));
    const b = torch.randn([20]);
    const g = { stride: 1, padding: 1, groups: 1 };
    const x = torch.rand([1, 20, 7, 7]).sub(0.5);
    const addend = torch.randn([1, 20, 7, 7]);
    const want = torch.F.leakyRelu(torch.F.conv2d(x, w.contiguous(), b, g), 0.1).add(addend);
    const into = toBlocked(addend, block);
    const y = packed.forwardInto(toBlocked(x, block), w, b, g, { kind: 'leaky', slope: 0.1 }, into);
    assert.ok(y, 'it takes a blocked addend');
    assert.ok(maxDiff(fromBlocked(into, 20), want) < 1e-4, `differs by ${maxDiff(fromBlocked(into, 20), want)}`);
    assert.equal(into.slice(1, into.shape[1] - 1).slice(4, 20 % block).abs().max().item(), 0, 'zeros past C');
    // a blocked addend of another shape is declined
    assert.equal(packed.forwardInto(toBlocked(x, block), w, b, g, { kind: 'leaky', slope: 0.1 }, toBlocked(torch.randn([1, 20, 8, 8]), block)), null);
  }));
  packed.dispose();
  assert.equal(torch.memory().tensors, start);
});
