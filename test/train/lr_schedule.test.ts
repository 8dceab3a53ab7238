// LR schedules against hand-computed values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { lrAt, darknetScheduleFromNet, setLearningRate, type LrScheduleSpec } from '../../src/train/lr_schedule.js';
import { readCfg } from '../../src/darknet/index.js';
import { sharedPath } from '../support/references.js';

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)) + 1e-18, `${what}: ${actual} != ${expected}`);
}

test('series: linear warm-up lr0 -> peakLr, then cosine (or linear) decay to finalLr', () => {
  const s: LrScheduleSpec = { kind: 'series', lr0: 1e-4, peakLr: 8e-4, warmupIters: 4000, totalIters: 10000 };
  close(lrAt(s, 0), 1e-4, 'iter 0');
  close(lrAt(s, 1000), 2.75e-4, 'quarter of warm-up'); // 1e-4 + 7e-4 / 4
  close(lrAt(s, 3999), 1e-4 + (7e-4 * 3999) / 4000, 'last warm-up iter');
  close(lrAt(s, 4000), 8e-4, 'peak');
  close(lrAt(s, 5500), 6.974873734152916e-4, 'quarter of decay'); // 1e-4 + 7e-4 * (1 + cos(pi/4)) / 2
  close(lrAt(s, 7000), 4.5e-4, 'half of decay');
  close(lrAt(s, 10000), 1e-4, 'end');
  close(lrAt(s, 25000), 1e-4, 'past the end');
  const lin: LrScheduleSpec = { ...s, decay: 'linear', finalLr: 0 };
  close(lrAt(lin, 7000), 4e-4, 'linear half');
  close(lrAt(lin, 8500), 2e-4, 'linear three quarters');
  close(lrAt(lin, 10000), 0, 'linear end');
  // no decay span: stays at the peak's end value
  close(lrAt({ ...s, totalIters: 4000 }, 4000), 1e-4, 'empty decay');
  assert.throws(() => lrAt(s, -1), /non-negative integer/);
  assert.throws(() => lrAt(s, 1.5), /non-negative integer/);
});

test('darknet: burn-in (b/burn_in)^power with b = iter + 1, then steps and scales', () => {
  const d: LrScheduleSpec = { kind: 'darknet', learningRate: 0.001, burnIn: 1000, steps: [400000, 450000], scales: [0.1, 0.1] };
  close(lrAt(d, 0), 1e-15, 'first update: b = 1'); // 0.001 * (1/1000)^4
  close(lrAt(d, 499), 6.25e-5, 'b = 500'); // 0.001 * 0.5^4
  close(lrAt(d, 998), 9.96005996001e-4, 'b = 999'); // 0.001 * 0.999^4
  close(lrAt(d, 999), 0.001, 'b = burn_in');
  close(lrAt(d, 399998), 0.001, 'b = 399999');
  close(lrAt(d, 399999), 1e-4, 'b = 400000: first step applies');
  close(lrAt(d, 449999), 1e-5, 'b = 450000');
  close(lrAt({ ...d, power: 2 }, 249), 6.25e-5, 'power 2'); // 0.001 * 0.25^2
  close(lrAt({ kind: 'darknet', learningRate: 0.001, burnIn: 0, policy: 'poly', maxBatches: 2000 }, 999), 6.25e-5, 'poly'); // (1 - 1000/2000)^4
  close(lrAt({ kind: 'darknet', learningRate: 0.002, burnIn: 10, policy: 'constant' }, 500), 0.002, 'constant');
});

test('darknet schedule from yolov3.cfg [net]', (t) => {
  const cfg = sharedPath(t, join('data', 'darknet', 'cfg', 'yolov3.cfg'));
  if (!cfg) return;
  const spec = darknetScheduleFromNet(readCfg(cfg).net);
  assert.deepEqual(spec, { kind: 'darknet', learningRate: 0.001, burnIn: 1000, power: 4, policy: 'steps', steps: [400000, 450000], scales: [0.1, 0.1], maxBatches: 500200 });
  close(lrAt(spec, 399999), 1e-4, 'first step');
  assert.throws(() => darknetScheduleFromNet({ ...readCfg(cfg).net, policy: 'sig' }), /'sig' is not supported/);
});

test('cosine with warm-up; setLearningRate sets every group', () => {
  const c: LrScheduleSpec = { kind: 'cosine', lr: 0.01, warmupIters: 100, totalIters: 1100, finalLr: 1e-4 };
  close(lrAt(c, 0), 0, 'start');
  close(lrAt(c, 50), 0.005, 'half warm-up');
  close(lrAt(c, 100), 0.01, 'peak');
  close(lrAt(c, 600), 0.00505, 'half decay'); // 1e-4 + (0.01 - 1e-4) / 2
  close(lrAt(c, 1100), 1e-4, 'end');
  close(lrAt({ kind: 'constant', lr: 3e-3 }, 12345), 3e-3, 'constant');
  // a pure function: the same iteration gives the same rate whatever came before
  assert.equal(lrAt(c, 777), lrAt(c, 777));
  const opt = { paramGroups: [{ lr: 1 }, { lr: 2 }] };
  setLearningRate(opt, 0.5);
  assert.deepEqual(opt.paramGroups, [{ lr: 0.5 }, { lr: 0.5 }]);
});
