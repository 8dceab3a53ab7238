// PackedConv: the packed oneDNN convolution with its fused activation
// against F.conv2d then F.leakyRelu/relu, on channels-last and contiguous
// inputs, on a channel slice (a view), after the input shape changes
// (packed again), for dense, 1x1, grouped and depthwise kernels, and its
// memory freed; the native ops' own checks name the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as torch from '../../src/torch/index.js';
import { PackedConv, toChannelsLast, type PackedActivation } from '../../src/nn/index.js';

const maxDiff = (a: torch.Tensor, b: torch.Tensor) => torch.tidy(() => a.sub(b).abs().max().item() as number);

function reference(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, g: { stride: number; padding: number; groups: number }, a: PackedActivation): torch.Tensor {
  const y = torch.F.conv2d(x.contiguous(), w.contiguous(), b, g);
  if (a.kind === 'leaky') return torch.F.leakyRelu(y, a.slope);
  return a.kind === 'relu' ? torch.F.relu(y) : y;
}

test('PackedConv equals F.conv2d + activation on dense, sliced and contiguous inputs, across shapes and kernels', () => {
  const start = torch.memory().tensors;
  const packed = new PackedConv();
  const activations: PackedActivation[] = [{ kind: 'linear' }, { kind: 'leaky', slope: 0.1 }, { kind: 'relu' }, { kind: 'leaky', slope: 0.25 }];
  torch.tidy(() => torch.noGrad(() => {
    for (const [k, groups, stride] of [[3, 1, 2], [1, 1, 1], [3, 4, 1], [3, 8, 2], [5, 1, 1]] as const) {
      const w = toChannelsLast(torch.randn([8, 8 / groups, k, k]));
      const b = torch.randn([8]);
      const g = { stride, padding: Math.floor(k / 2), groups };
      const whole = toChannelsLast(torch.rand([2, 16, 13, 11]).sub(0.5));
      const inputs = [whole.slice(1, 0, 8), whole.slice(1, 8, 16), toChannelsLast(torch.rand([1, 8, 20, 20]).sub(0.5)), torch.rand([3, 8, 7, 9]).sub(0.5)];
      for (const [i, x] of inputs.entries()) {
        const a = activations[(i + k + groups) % activations.length];
        const y = packed.forward(x, w, b, g, a);
        const ref = reference(x, w, b, g, a);
        assert.deepEqual(y.shape, ref.shape);
        assert.ok(maxDiff(y, ref) < 1e-4, `k=${k} groups=${groups} ${a.kind} [${x.shape}]: differs by ${maxDiff(y, ref)}`);
        if (a.kind !== 'linear') assert.ok((y.min().item() as number) < 0 === (a.kind === 'leaky'), `${a.kind}: the sign of the negative side`);
      }
      packed.dispose();
    }
  }));
  packed.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('this build has the oneDNN ops where the oneDNN headers are (binding.gyp builds them then)', { skip: !existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') && 'no libdnnl-dev headers' }, () => {
  assert.match(torch.opSchema('yolo::dnnl_conv_prepack'), /DnnlConv/);
});

test('the oneDNN ops refuse a wrong input shape, a wrong activation and a weight that does not fit, naming the problem', { skip: !existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') && 'no libdnnl-dev headers' }, () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const w = torch.randn([4, 2, 3, 3]);
    const ctx = torch.opObject('yolo::dnnl_conv_prepack', w, null, [1, 1], [1, 1], 1, [1, 2, 5, 5], 'linear', 0);
    try {
      assert.throws(() => torch.op('yolo::dnnl_conv_run', torch.rand([1, 2, 6, 5]), ctx), /input \[1, 2, 6, 5\] is not the shape the convolution was packed for, \[1, 2, 5, 5\]/);
      assert.throws(() => torch.op('yolo::dnnl_conv_run', torch.rand([1, 2, 5, 5]).to('float64'), ctx), /float32 CPU tensor/);
    } finally {
      ctx.dispose();
    }
    assert.throws(() => torch.opObject('yolo::dnnl_conv_prepack', w, null, [1, 1], [1, 1], 1, [1, 2, 5, 5], 'mish', 0), /activation must be linear, leaky or relu, got 'mish'/);
    assert.throws(() => torch.opObject('yolo::dnnl_conv_prepack', w, null, [1, 1], [1, 1], 1, [1, 3, 5, 5], 'linear', 0), /does not fit 3 input channels/);
    assert.throws(() => torch.opObject('yolo::dnnl_conv_prepack', w, null, [1, 1], [0, 0], 1, [1, 2, 2, 2], 'linear', 0), /kernel does not fit/);
  });
  assert.equal(torch.memory().tensors, start);
});

test('PackedConv.forwardInto adds activation(conv(x)) into a channels-last tensor in place, or declines (null) what it cannot take', { skip: !existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') && 'no libdnnl-dev headers' }, () => {
  const start = torch.memory().tensors;
  const packed = new PackedConv();
  torch.tidy(() => torch.noGrad(() => {
    for (const [k, groups, stride] of [[3, 1, 1], [1, 1, 1], [3, 8, 2]] as const) {
      const w = toChannelsLast(torch.randn([8, 8 / groups, k, k]));
      const b = torch.randn([8]);
      const g = { stride, padding: Math.floor(k / 2), groups };
      const x = toChannelsLast(torch.rand([2, 8, 9, 11]).sub(0.5));
      const a: PackedActivation = { kind: 'leaky', slope: 0.1 };
      const want = reference(x, w, b, g, a);
      const addend = toChannelsLast(torch.randn(want.shape));
      const expected = want.add(addend);
      const into = addend.clone();
      const sum = packed.forwardInto(x, w, b, g, a, into);
      assert.ok(sum, `k=${k} groups=${groups}: fused`);
      assert.ok(maxDiff(sum, expected) < 1e-4 && maxDiff(into, expected) < 1e-4, `k=${k} groups=${groups}: in place, differs by ${maxDiff(into, expected)}`);
      assert.equal(packed.forwardInto(x, w, b, g, a, addend.contiguous()), null, 'a contiguous (NCHW) addend is declined');
      assert.equal(packed.forwardInto(x, w, b, g, a, toChannelsLast(torch.zeros([2, 8, 3, 3]))), null, 'a wrong shape is declined');
      // the plain forward after an accumulating one packs again, without the add
      assert.ok(maxDiff(packed.forward(x, w, b, g, a), want) < 1e-4);
      packed.dispose();
    }
  }));
  packed.dispose();
  assert.equal(torch.memory().tensors, start);
});

// oneDNN's reference kernel is ~100x slower than its JIT ones: a post-op chain
// a JIT kernel refuses (on AVX2, a 3x3 leaky convolution followed by the
// residual's sum) is split, the rest done in separate passes
const hasAvx2 = existsSync('/proc/cpuinfo') && /\bavx2\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
test('the oneDNN convolutions of a darknet cfg run on JIT kernels, never the reference one, whatever they fuse', { skip: (!existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') && 'no libdnnl-dev headers') || (!hasAvx2 && 'oneDNN has JIT kernels from AVX2 on') }, () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    for (const [k, groups, act, accumulate] of [[3, 1, 'leaky', true], [3, 1, 'leaky', false], [1, 1, 'linear', true], [1, 1, 'leaky', true], [3, 16, 'leaky', false], [3, 16, 'relu', true]] as const) {
      const w = toChannelsLast(torch.randn([16, 16 / groups, k, k]));
      const ctx = torch.opObject('yolo::dnnl_conv_prepack', w, null, [1, 1], [k >> 1, k >> 1], groups, [1, 16, 26, 26], act, 0.1, accumulate);
      try {
        assert.doesNotMatch(torch.opValue('yolo::dnnl_conv_implementation', ctx) as string, /^ref/, `k=${k} groups=${groups} ${act} accumulate=${accumulate}`);
      } finally {
        ctx.dispose();
      }
    }
  });
  assert.equal(torch.memory().tensors, start);
});
