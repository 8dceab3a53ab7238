// SGD, Adam and AdamW steps against torch.optim on the same parameters and gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../../src/torch/index.js';
import { hasPython } from '../../support/references.js';
import { Exchange, maxRelativeError } from '../../support/exchange.js';

const STEPS = 5;

const PY = `
specs = ARGS
for spec in specs:
    name = spec['name']
    p = [load(f'{name}.p{k}').clone().requires_grad_(True) for k in range(2)]
    kind, o = spec['kind'], spec['options']
    if kind == 'sgd':
        opt = torch.optim.SGD(p, lr=o['lr'], momentum=o.get('momentum', 0), dampening=o.get('dampening', 0), weight_decay=o.get('weightDecay', 0), nesterov=o.get('nesterov', False), foreach=False)
    elif kind == 'adam':
        opt = torch.optim.Adam(p, lr=o['lr'], weight_decay=o.get('weightDecay', 0), amsgrad=o.get('amsgrad', False), foreach=False)
    else:
        opt = torch.optim.AdamW(p, lr=o['lr'], weight_decay=o.get('weightDecay', 0.01), foreach=False)
    for s in range(${STEPS}):
        for k in range(2):
            p[k].grad = load(f'{name}.g{s}_{k}')
        opt.step()
    for k in range(2):
        save(f'{name}.p{k}', p[k])
`;

const SPECS = [
  { name: 'sgd_plain', kind: 'sgd', options: { lr: 0.1 } },
  { name: 'sgd_momentum_wd', kind: 'sgd', options: { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-2 } },
  { name: 'sgd_nesterov', kind: 'sgd', options: { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 } },
  { name: 'adam_wd', kind: 'adam', options: { lr: 1e-2, weightDecay: 1e-4 } },
  { name: 'adam_amsgrad', kind: 'adam', options: { lr: 1e-2, amsgrad: true } },
  { name: 'adamw', kind: 'adamw', options: { lr: 1e-2, weightDecay: 0.05 } },
] as const;

function makeOptimizer(kind: string, params: torch.Tensor[], options: Record<string, unknown>): torch.optim.Optimizer<{ lr: number }> {
  if (kind === 'sgd') return new torch.optim.SGD(params, options as unknown as torch.optim.SgdOptions);
  if (kind === 'adam') return new torch.optim.Adam(params, options as unknown as torch.optim.AdamOptions);
  return new torch.optim.AdamW(params, options as unknown as torch.optim.AdamOptions);
}

test('optimizer steps match torch.optim to 1e-6', (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  torch.manualSeed(3);
  const start = torch.memory().tensors;
  const ex = new Exchange();
  try {
    torch.tidy(() => {
      const results = new Map<string, torch.Tensor[]>();
      for (const spec of SPECS) {
        const params = [torch.randn([4, 3]), torch.randn([5])].map((p, k) => {
          ex.put(`${spec.name}.p${k}`, p);
          return p.clone().requiresGrad_();
        });
        const opt = makeOptimizer(spec.kind, params, spec.options);
        for (let s = 0; s < STEPS; s++) {
          params.forEach((p, k) => {
            const g = torch.randn(p.shape);
            ex.put(`${spec.name}.g${s}_${k}`, g);
            p.grad = g;
          });
          opt.step();
        }
        opt.disposeState();
        results.set(spec.name, params);
      }
      ex.run(PY, SPECS);
      for (const spec of SPECS) {
        results.get(spec.name)!.forEach((p, k) => {
          const err = maxRelativeError(p.detach(), ex.get(`${spec.name}.p${k}`), 1e-2);
          assert.ok(err < 1e-6, `${spec.name}: parameter ${k} differs by ${err}`);
        });
      }
    });
  } finally {
    ex.close();
  }
  assert.equal(torch.memory().tensors, start);
});

test('optimizer state dict restores the exact trajectory', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    torch.manualSeed(11);
    const init = torch.randn([6]);
    const grads = Array.from({ length: 6 }, () => torch.randn([6]));
    const run = (resumeAt: number | null) => {
      let p = init.clone().requiresGrad_();
      let opt = new torch.optim.Adam([p], { lr: 0.1, weightDecay: 1e-3 });
      for (let s = 0; s < grads.length; s++) {
        if (s === resumeAt) {
          const saved = opt.stateDict();
          const q = p.detach().clone().requiresGrad_();
          const next = new torch.optim.Adam([q], { lr: 0.5 });
          next.loadStateDict(saved);
          opt.disposeState();
          [p, opt] = [q, next];
        }
        p.grad = grads[s];
        opt.step();
      }
      opt.disposeState();
      return p.detach();
    };
    assert.deepEqual(run(3).toArray(), run(null).toArray());
  });
  assert.equal(torch.memory().tensors, start);
});

test('parameter groups keep their own options and a scheduler can set lr', () => {
  torch.tidy(() => {
    const a = torch.ones([2]).requiresGrad_();
    const b = torch.ones([2]).requiresGrad_();
    const opt = new torch.optim.SGD([{ params: [a] }, { params: [b], weightDecay: 1 }], { lr: 0.5 });
    a.grad = torch.zeros([2]);
    b.grad = torch.zeros([2]);
    opt.step();
    assert.deepEqual(a.toArray(), [1, 1]); // no decay in group 0
    assert.deepEqual(b.toArray(), [0.5, 0.5]); // 1 - 0.5 * (0 + 1 * 1)
    opt.paramGroups[1].lr = 0.25;
    b.grad = torch.zeros([2]);
    opt.step();
    assert.deepEqual(b.toArray(), [0.375, 0.375]);
    assert.throws(() => new torch.optim.SGD([{ params: [a] }, { params: [a] }], { lr: 1 }), /more than one group/);
  });
});

test('optimizer state survives a tensor file round trip', async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const path = join(mkdtempSync(join(tmpdir(), 'yolov3-ts-')), 'opt.safetensors');
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const p = torch.randn([3]).requiresGrad_();
    const opt = new torch.optim.SGD([{ params: [p], momentum: 0.9 }], { lr: 0.1 });
    p.grad = torch.ones([3]);
    opt.step();
    const { tensors, json } = torch.optim.optimizerStateToTensors(opt.stateDict());
    torch.io.saveTensorFile(path, tensors, { optimizer: json });
    const file = torch.io.loadTensorFile(path);
    const q = p.detach().clone().requiresGrad_();
    const restored = new torch.optim.SGD([{ params: [q] }], { lr: 1 });
    restored.loadStateDict(torch.optim.optimizerStateFromTensors(file.tensors, file.metadata.optimizer));
    assert.equal(restored.paramGroups[0].lr, 0.1);
    assert.equal(restored.paramGroups[0].momentum, 0.9);
    p.grad = torch.ones([3]);
    q.grad = torch.ones([3]);
    opt.step();
    restored.step();
    assert.deepEqual(q.toArray(), p.toArray());
    opt.disposeState();
    restored.disposeState();
  });
  assert.equal(torch.memory().tensors, start);
});

test('optimizer state whose parameters lack an entry (a damaged tensor name) is refused, naming the parameter', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const json = JSON.stringify({ paramGroups: [{ lr: 0.1, params: [0, 1] }], numbers: {} });
    const z = torch.zeros([2]);
    const full = new Map([['o.state.0.exp_avg', z], ['o.state.0.exp_avg_sq', z], ['o.state.1.exp_avg', z], ['o.state.1.exp_avg_sq', z]]);
    assert.equal(Object.keys(torch.optim.optimizerStateFromTensors(full, json, 'o').state).length, 2);
    // '@optimizer/state.1.exp_avg_sq' as a fuzzed checkpoint had it: the name no longer matches
    const damaged = new Map([...full].filter(([k]) => k !== 'o.state.1.exp_avg_sq'));
    assert.throws(() => torch.optim.optimizerStateFromTensors(damaged, json, 'o'), /optimizer state: parameter 1 has \{exp_avg\}, parameter 0 has \{exp_avg, exp_avg_sq\}/);
  });
  assert.equal(torch.memory().tensors, start);
});
