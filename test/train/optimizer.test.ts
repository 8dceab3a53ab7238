// Which parameters weight decay reaches: conv weights only (ours, as
// ultralytics and darknet), or every parameter (the series' Adam(model.parameters())).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Darknet } from '../../src/darknet/index.js';
import { makeOptimizer, splitDecay } from '../../src/train/optimizer.js';
import { SHAPES_CFG } from './train_setup.js';

test('weight decay on conv weights only (default) or on all parameters (the series)', () => {
  const before = torch.memory().tensors;
  const model = Darknet.fromFile(SHAPES_CFG);
  try {
    const all = model.parameters();
    const named = model.namedParameters();
    const convWeights = named.filter(([name, p]) => p.ndim === 4 && name.endsWith('weight')).length;
    const { decay, noDecay } = splitDecay(model);
    assert.equal(decay.length, convWeights);
    assert.equal(decay.length + noDecay.length, all.length);
    const ours = makeOptimizer(model, { kind: 'adam', lr: 1e-3, weightDecay: 1e-4 }) as unknown as { paramGroups: { params: unknown[]; weightDecay: number }[]; disposeState(): void };
    assert.deepEqual(ours.paramGroups.map((g) => [g.params.length, g.weightDecay]), [[convWeights, 1e-4], [all.length - convWeights, 0]]);
    const series = makeOptimizer(model, { kind: 'adam', lr: 1e-3, weightDecay: 1e-4, weightDecayOn: 'all' }) as unknown as typeof ours;
    assert.deepEqual(series.paramGroups.map((g) => [g.params.length, g.weightDecay]), [[all.length, 1e-4]]);
    ours.disposeState();
    series.disposeState();
  } finally {
    model.dispose();
  }
  assert.equal(torch.memory().tensors, before);
});
