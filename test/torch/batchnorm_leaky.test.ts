// F.batchNormLeaky (native/src/batchnorm_leaky.cpp: training batch norm +
// leaky ReLU as one autograd Function) against PyTorch's
// F.leaky_relu(F.batch_norm(training=True)): output, updated running
// statistics and the gradients of x, γ and β, in float32 and float64, on odd
// shapes (batch 1, lengths that leave vector tails, 2-D and 3-D inputs, a
// mean 8 deviations from zero, a γ near 0); against the two operators it
// replaces in this process, bit for bit; and one case worked by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { F } from '../../src/torch/index.js';
import { hasPython } from '../support/references.js';
import { Exchange, maxRelativeError } from '../support/exchange.js';

const MOMENTUM = 0.1, EPS = 1e-5, SLOPE = 0.1;

const PY = `
import torch.nn.functional as F
for case in ARGS:
    i = {k: load(case['name'] + '.' + k) for k in ['x', 'g', 'b', 'rm', 'rv', 'gy']}
    for k in ['x', 'g', 'b']: i[k].requires_grad_(True)
    y = F.leaky_relu(F.batch_norm(i['x'], i['rm'], i['rv'], i['g'], i['b'], training=True, momentum=${MOMENTUM}, eps=${EPS}), ${SLOPE})
    y.backward(i['gy'])
    save(case['name'] + '.y', y)
    for k in ['x', 'g', 'b']: save(case['name'] + '.d' + k, i[k].grad)
    for k in ['rm', 'rv']: save(case['name'] + '.' + k, i[k])
`;

/** affine 'wide': γ ~ N(0, 1) with one channel's 1e-3, β ~ N(0, 1); 'unit': γ in [0.5, 1.5), |β| < 8γ. */
interface Case { name: string; shape: number[]; dtype: 'float32' | 'float64'; scale: number; offset: number; affine: 'wide' | 'unit' }

const CASES: Case[] = [
  { name: 'f32_basic', shape: [4, 3, 5, 5], dtype: 'float32', scale: 3, offset: 1, affine: 'wide' },
  { name: 'f32_basic_z', shape: [4, 3, 5, 5], dtype: 'float32', scale: 3, offset: 1, affine: 'unit' },
  { name: 'f32_batch1_odd', shape: [1, 5, 7, 3], dtype: 'float32', scale: 1, offset: 0, affine: 'wide' },
  { name: 'f32_batch1_odd_z', shape: [1, 5, 7, 3], dtype: 'float32', scale: 1, offset: 0, affine: 'unit' },
  { name: 'f32_tails', shape: [2, 4, 37, 41], dtype: 'float32', scale: 2, offset: -0.5, affine: 'wide' },
  { name: 'f32_tails_z', shape: [2, 4, 37, 41], dtype: 'float32', scale: 2, offset: -0.5, affine: 'unit' },
  { name: 'f32_far_mean_z', shape: [3, 2, 9, 11], dtype: 'float32', scale: 0.5, offset: 4, affine: 'unit' },
  { name: 'f32_3d', shape: [2, 6, 13], dtype: 'float32', scale: 1, offset: 0.3, affine: 'wide' },
  { name: 'f32_2d_z', shape: [9, 4], dtype: 'float32', scale: 1, offset: 0, affine: 'unit' },
  { name: 'f64_basic', shape: [4, 3, 5, 5], dtype: 'float64', scale: 3, offset: 1, affine: 'wide' },
  { name: 'f64_batch1_odd_z', shape: [1, 5, 7, 3], dtype: 'float64', scale: 1, offset: 0, affine: 'unit' },
  { name: 'f64_tails', shape: [2, 4, 37, 41], dtype: 'float64', scale: 2, offset: -0.5, affine: 'wide' },
  { name: 'f64_tails_z', shape: [2, 4, 37, 41], dtype: 'float64', scale: 2, offset: -0.5, affine: 'unit' },
  { name: 'f64_far_mean_z', shape: [3, 2, 9, 11], dtype: 'float64', scale: 0.5, offset: 4, affine: 'unit' },
];

test('batchNormLeaky: output, running statistics and gradients match PyTorch (1e-5 float32, 1e-12 float64, of max(|v|, max|v| / 10))', (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  torch.manualSeed(11);
  const start = torch.memory().tensors;
  const ex = new Exchange();
  try {
    torch.tidy(() => {
      const ours = CASES.map((c) => {
        const dtype = c.dtype, ch = c.shape[1];
        const unit = c.affine === 'unit';
        const gamma = unit ? torch.rand([ch], { dtype }).add(0.5) : torch.randn([ch], { dtype });
        if (!unit) gamma.narrow(0, 0, 1).fill_(1e-3);
        const inputs = {
          x: torch.randn(c.shape, { dtype }).mul(c.scale).add(c.offset), g: gamma,
          b: unit ? torch.rand([ch], { dtype }).sub(0.5).mul(16).mul(gamma) : torch.randn([ch], { dtype }),
          rm: torch.randn([ch], { dtype }), rv: torch.rand([ch], { dtype }).add(0.5),
        };
        const gy = torch.randn(c.shape, { dtype });
        for (const [k, v] of Object.entries({ ...inputs, gy })) ex.put(`${c.name}.${k}`, v);
        const [x, g, b] = [inputs.x, inputs.g, inputs.b].map((v) => v.clone().requiresGrad_());
        const rm = inputs.rm.clone(), rv = inputs.rv.clone();
        const y = F.batchNormLeaky(x, rm, rv, { weight: g, bias: b, momentum: MOMENTUM, eps: EPS, negativeSlope: SLOPE });
        y.backward(gy);
        return { y: y.detach(), dx: x.grad!, dg: g.grad!, db: b.grad!, rm, rv };
      });
      ex.run(PY, CASES.map((c) => ({ name: c.name })));
      CASES.forEach((c, n) => {
        const bound = c.dtype === 'float64' ? 1e-12 : 1e-5;
        for (const [k, v] of Object.entries(ours[n])) {
          const ref = ex.get(`${c.name}.${k}`);
          // relative to at least a tenth of the tensor's largest value, as an element that
          // cancels to ~0 (x·a ≈ −b forward, g_y ≈ mean terms backward) keeps the rounding of its terms
          const err = maxRelativeError(v, ref, 0.1 * ref.abs().max().item());
          assert.ok(err < bound, `${c.name}: ${k} differs by ${err}`);
        }
      });
    });
  } finally {
    ex.close();
  }
  assert.equal(torch.memory().tensors, start);
});

test('batchNormLeaky: output, running statistics and gradients are the two operators\' (batchNorm + leaky_relu_), bit for bit', () => {
  torch.manualSeed(5);
  const start = torch.memory().tensors;
  torch.tidy(() => {
    for (const [shape, offset] of [[[4, 3, 5, 5], 1], [[2, 4, 37, 41], -0.5], [[1, 6, 13, 7], 3]] as [number[], number][]) {
      const ch = shape[1];
      const x = torch.randn(shape).mul(2).add(offset), gy = torch.randn(shape);
      const w = torch.randn([ch]), b = torch.randn([ch]), rm = torch.randn([ch]), rv = torch.rand([ch]).add(0.5);
      const run = (fused: boolean) => {
        const [xi, wi, bi] = [x, w, b].map((v) => v.clone().requiresGrad_());
        const rmi = rm.clone(), rvi = rv.clone();
        const z = fused
          ? F.batchNormLeaky(xi, rmi, rvi, { weight: wi, bias: bi, momentum: 0.03, eps: 1e-6, negativeSlope: 0.1 })
          : torch.opInPlace(F.batchNorm(xi, rmi, rvi, { weight: wi, bias: bi, training: true, momentum: 0.03, eps: 1e-6 }), 'aten::leaky_relu_', 0.1);
        z.backward(gy);
        return { z: z.detach(), rm: rmi, rv: rvi, dx: xi.grad!, dw: wi.grad!, db: bi.grad! };
      };
      const fused = run(true), ops = run(false);
      for (const [k, v] of Object.entries(fused)) {
        const a = v.toArray(), e = (ops as Record<string, torch.Tensor>)[k].toArray();
        const differ = a.filter((u, i) => !Object.is(u, e[i])).length;
        assert.equal(differ, 0, `[${shape}] ${k}: ${differ} of ${a.length} values differ`);
      }
    }
  });
  assert.equal(torch.memory().tensors, start);
});

test('batchNormLeaky: one channel of [1, 2, 3, 6] worked by hand', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const x = torch.tensor([1, 2, 3, 6], { dtype: 'float64' }).view([1, 1, 2, 2]).requiresGrad_();
    const g = torch.tensor([2], { dtype: 'float64' }).requiresGrad_(), b = torch.tensor([0.5], { dtype: 'float64' }).requiresGrad_();
    const rm = torch.tensor([1], { dtype: 'float64' }), rv = torch.tensor([2], { dtype: 'float64' });
    const y = F.batchNormLeaky(x, rm, rv, { weight: g, bias: b, momentum: 0.25, eps: 0, negativeSlope: 0.1 });
    // mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5, unbiased 14 / 3; x̂ = d / √3.5 with d = [-2, -1, 0, 3]
    const s = Math.sqrt(3.5), d = [-2, -1, 0, 3];
    const pre = d.map((v) => 2 * v / s + 0.5); // γ x̂ + β: [-0.569, 0.2655, 0.5, 3.707]
    const close = (a: number[], e: number[], what: string) => a.forEach((v, i) => assert.ok(Math.abs(v - e[i]) < 1e-12, `${what}[${i}]: ${v} vs ${e[i]}`));
    close(y.toArray(), pre.map((v) => (v > 0 ? v : 0.1 * v)), 'z');
    close(rm.toArray(), [0.75 * 1 + 0.25 * 3], 'running mean');
    close(rv.toArray(), [0.75 * 2 + 0.25 * (14 / 3)], 'running var');
    y.backward(torch.ones([1, 1, 2, 2], { dtype: 'float64' }));
    const gy = pre.map((v) => (v > 0 ? 1 : 0.1)); // [0.1, 1, 1, 1]
    const sumGy = gy.reduce((a, v) => a + v, 0), sumGyXhat = gy.reduce((a, v, i) => a + v * d[i] / s, 0);
    close(b.grad!.toArray(), [sumGy], 'dβ');
    close(g.grad!.toArray(), [sumGyXhat], 'dγ');
    // dx = γ/σ (g_y − mean(g_y) − x̂ mean(g_y x̂))
    close(x.grad!.toArray(), gy.map((v, i) => (2 / s) * (v - sumGy / 4 - (d[i] / s) * sumGyXhat / 4)), 'dx');
  });
  assert.equal(torch.memory().tensors, start);
});

test('batchNormLeaky: a channels-last input (the two operators) gives what the fused kernel gives on its dense copy', () => {
  torch.manualSeed(3);
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const base = torch.randn([2, 3, 4, 5]);
    const run = (x: torch.Tensor) => {
      const w = torch.randn([3]).abs().add(0.5).requiresGrad_(), b = torch.zeros([3]).requiresGrad_();
      const rm = torch.zeros([3]), rv = torch.ones([3]);
      const xi = x.clone().requiresGrad_();
      const y = F.batchNormLeaky(xi, rm, rv, { weight: w, bias: b, negativeSlope: 0.1 });
      y.backward(torch.randn(y.shape));
      return [y.detach().contiguous(), xi.grad!.contiguous(), rm, rv];
    };
    torch.manualSeed(4);
    const dense = run(base);
    torch.manualSeed(4);
    const strided = run(base.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2])); // NCHW shape, channels-last strides
    dense.forEach((v, i) => {
      const err = maxRelativeError(strided[i], v, 0.1 * v.abs().max().item()); // as above: cancellations to ~0
      assert.ok(err < 1e-5, `result ${i} differs by ${err}`);
    });
  });
  assert.equal(torch.memory().tensors, start);
});
