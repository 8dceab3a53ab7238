// Forward values and gradients of the operators training uses, against
// PyTorch (Debian's python3-torch) on the same inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { F } from '../../src/torch/index.js';
import { hasPython } from '../support/references.js';
import { Exchange, maxRelativeError } from '../support/exchange.js';

interface Case {
  name: string;
  inputs: Record<string, torch.Tensor>;
  /** Names of inputs that need gradients. */
  grads: string[];
  /** Our forward; the reference is the Python expression of the same name below. */
  forward: (i: Record<string, torch.Tensor>) => torch.Tensor;
}

const PY_FORWARD = `
import torch.nn.functional as F
def forward(name, i):
    if name == 'conv2d': return F.conv2d(i['x'], i['w'], i['b'], stride=2, padding=1)
    if name == 'conv2d_groups': return F.conv2d(i['x'], i['w'], None, stride=1, padding=1, groups=2)
    if name == 'batch_norm_train': return F.batch_norm(i['x'], i['rm'], i['rv'], i['g'], i['b'], training=True, momentum=0.1, eps=1e-5)
    if name == 'leaky_relu': return F.leaky_relu(i['x'], 0.1)
    if name == 'interpolate': return F.interpolate(i['x'], scale_factor=2, mode='nearest')
    if name == 'max_pool2d': return F.max_pool2d(i['x'], 2, 2)
    if name == 'max_pool2d_darknet': return F.max_pool2d(F.pad(i['x'], (0, 1, 0, 1), value=float('-inf')), 2, 1)
    if name == 'bce_pos_weight': return F.binary_cross_entropy_with_logits(i['x'], i['t'], pos_weight=i['pw'], reduction='mean')
    if name == 'bce_sum': return F.binary_cross_entropy_with_logits(i['x'], i['t'], reduction='sum')
    if name == 'mse_loss': return F.mse_loss(i['x'], i['t'])
    if name == 'mish': return F.mish(i['x'])
    if name == 'silu': return F.silu(i['x'])
    raise ValueError(name)
for case in ARGS:
    i = {k: load(case['name'] + '.' + k) for k in case['inputs']}
    for k in case['grads']: i[k].requires_grad_(True)
    y = forward(case['name'], i)
    save(case['name'] + '.y', y)
    y.backward(load(case['name'] + '.gy'))
    for k in case['grads']: save(case['name'] + '.d' + k, i[k].grad)
    for k in case.get('after', []): save(case['name'] + '.' + k, i[k])
`;

function cases(): Case[] {
  const r = (shape: number[]) => torch.randn(shape);
  return [
    { name: 'conv2d', inputs: { x: r([2, 4, 9, 9]), w: r([6, 4, 3, 3]), b: r([6]) }, grads: ['x', 'w', 'b'], forward: (i) => F.conv2d(i.x, i.w, i.b, { stride: 2, padding: 1 }) },
    { name: 'conv2d_groups', inputs: { x: r([2, 4, 6, 6]), w: r([6, 2, 3, 3]) }, grads: ['x', 'w'], forward: (i) => F.conv2d(i.x, i.w, null, { padding: 1, groups: 2 }) },
    {
      name: 'batch_norm_train',
      inputs: { x: r([4, 3, 5, 5]).mul(3).add(1), rm: torch.zeros([3]), rv: torch.ones([3]), g: r([3]), b: r([3]) },
      grads: ['x', 'g', 'b'],
      forward: (i) => F.batchNorm(i.x, i.rm, i.rv, { weight: i.g, bias: i.b, training: true, momentum: 0.1, eps: 1e-5 }),
    },
    { name: 'leaky_relu', inputs: { x: r([3, 7]) }, grads: ['x'], forward: (i) => F.leakyRelu(i.x, 0.1) },
    { name: 'interpolate', inputs: { x: r([2, 3, 4, 5]) }, grads: ['x'], forward: (i) => F.interpolateNearest(i.x, { scaleFactor: 2 }) },
    { name: 'max_pool2d', inputs: { x: r([2, 3, 6, 6]) }, grads: ['x'], forward: (i) => F.maxPool2d(i.x, 2, { stride: 2 }) },
    { name: 'max_pool2d_darknet', inputs: { x: r([2, 3, 5, 5]) }, grads: ['x'], forward: (i) => F.maxPool2d(i.x, 2, { stride: 1, padding: [0, 1, 0, 1] }) },
    {
      name: 'bce_pos_weight',
      inputs: { x: r([4, 3, 5]).mul(3), t: torch.rand([4, 3, 5]).gt(0.7).float(), pw: torch.tensor([2.5, 1, 0.5, 3, 7]) },
      grads: ['x'],
      forward: (i) => F.binaryCrossEntropyWithLogits(i.x, i.t, { posWeight: i.pw }),
    },
    { name: 'bce_sum', inputs: { x: r([6, 4]).mul(4), t: torch.rand([6, 4]) }, grads: ['x'], forward: (i) => F.binaryCrossEntropyWithLogits(i.x, i.t, { reduction: 'sum' }) },
    { name: 'mse_loss', inputs: { x: r([5, 4]), t: r([5, 4]) }, grads: ['x'], forward: (i) => F.mseLoss(i.x, i.t) },
    { name: 'mish', inputs: { x: r([4, 9]).mul(3) }, grads: ['x'], forward: (i) => F.mish(i.x) },
    { name: 'silu', inputs: { x: r([4, 9]).mul(3) }, grads: ['x'], forward: (i) => F.silu(i.x) },
  ];
}

test('forward and gradients match PyTorch to 1e-5 relative', (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  torch.manualSeed(7);
  const start = torch.memory().tensors;
  const ex = new Exchange();
  try {
    torch.tidy(() => {
      const all = cases();
      const ours = new Map<string, { y: torch.Tensor; grads: Map<string, torch.Tensor>; after: Map<string, torch.Tensor> }>();
      for (const c of all) {
        for (const [k, v] of Object.entries(c.inputs)) ex.put(`${c.name}.${k}`, v);
        const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, c.grads.includes(k) ? v.clone().requiresGrad_() : v.clone()]));
        const y = c.forward(inputs);
        const gy = torch.randn(y.shape);
        ex.put(`${c.name}.gy`, gy);
        y.backward(gy);
        const grads = new Map(c.grads.map((k) => [k, inputs[k].grad!]));
        const after = new Map(c.name === 'batch_norm_train' ? [['rm', inputs.rm], ['rv', inputs.rv]] as [string, torch.Tensor][] : []);
        ours.set(c.name, { y: y.detach(), grads, after });
      }
      ex.run(PY_FORWARD, all.map((c) => ({ name: c.name, inputs: Object.keys(c.inputs), grads: c.grads, after: c.name === 'batch_norm_train' ? ['rm', 'rv'] : [] })));
      for (const c of all) {
        const o = ours.get(c.name)!;
        assert.ok(maxRelativeError(o.y, ex.get(`${c.name}.y`)) < 1e-5, `${c.name}: forward differs`);
        for (const [k, g] of o.grads) {
          const err = maxRelativeError(g, ex.get(`${c.name}.d${k}`));
          assert.ok(err < 1e-5, `${c.name}: gradient of ${k} differs by ${err}`);
        }
        for (const [k, v] of o.after) {
          assert.ok(maxRelativeError(v, ex.get(`${c.name}.${k}`)) < 1e-5, `${c.name}: updated ${k} differs`);
        }
      }
    });
  } finally {
    ex.close();
  }
  assert.equal(torch.memory().tensors, start);
});
