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

test('warmup-cosine: linear warm-up lr0 -> peakLr, then cosine (or linear) decay to finalLr', () => {
  const s: LrScheduleSpec = { kind: 'warmup-cosine', lr0: 1e-4, peakLr: 8e-4, warmupIters: 4000, totalIters: 10000 };
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
  // a checkpoint saved when this schedule was called 'series' resumes with the same rates
  const legacy = { ...s, kind: 'series' } as unknown as LrScheduleSpec;
  for (const i of [0, 3999, 5500, 10000]) close(lrAt(legacy, i), lrAt(s, i), `legacy spec at ${i}`);
});

test("series: the series' lr_schedular formula, t = 0 counted as 1, floored at 1e-7", () => {
  // lr(t) = lr0 + (peak − lr0)·W^p·min(1/t^p, t/W^(p+1)); values by hand with lr0 1e-4, peak 8e-4, W 4000
  const s: LrScheduleSpec = { kind: 'series', lr0: 1e-4, peakLr: 8e-4, warmupIters: 4000 };
  close(lrAt(s, 0), 1.00175e-4, 't = 0 (as 1)'); // 1e-4 + 7e-4/4000
  close(lrAt(s, 1), 1.00175e-4, 't = 1');
  close(lrAt(s, 3999), 7.99825e-4, 't = W − 1'); // 1e-4 + 7e-4·3999/4000
  close(lrAt(s, 4000), 8e-4, 't = W');
  close(lrAt(s, 4001), 7.998250437390653e-4, 't = W + 1'); // 1e-4 + 7e-4·4000/4001
  close(lrAt(s, 40000), 1.7e-4, 't = 10 W'); // 1e-4 + 7e-4/10
  close(lrAt({ ...s, power: 2 }, 8000), 2.75e-4, 'power 2 at 2W'); // 1e-4 + 7e-4/4
  close(lrAt({ ...s, power: 2 }, 2000), 4.5e-4, 'power 2 at W/2'); // linear part: 1e-4 + 7e-4·2000/4000
  close(lrAt({ kind: 'series', lr0: 0, peakLr: 1e-3, warmupIters: 10 }, 1_000_000), 1e-7, 'floor'); // 1e-8 before the floor
});

test("series with its own counter: step 0 at lr0, then the rate set from total_iters += ii", () => {
  // 100 images at batch 4: 25 batches an epoch, the counter grows by 0+1+…+24 = 300 each epoch
  const s: LrScheduleSpec = { kind: 'series', lr0: 1e-4, peakLr: 8e-4, warmupIters: 4000, batchesPerEpoch: 25 };
  close(lrAt(s, 0), 1e-4, 'first step: Adam(lr=LR0)');
  close(lrAt(s, 1), 1.00175e-4, 'after batch 0 the counter is 0, read as 1');
  close(lrAt(s, 3), 1e-4 + (7e-4 * 3) / 4000, 'after batches 0, 1, 2 the counter is 3');
  close(lrAt(s, 25), 1.525e-4, 'first step of epoch 2: counter 300'); // 1e-4 + 7e-4·300/4000
  close(lrAt(s, 325), 1e-4 + (7e-4 * 3900) / 4000, 'step 325 reads batch 324 (epoch 12, ii 24): counter 12·300 + 300 = 3900');
  close(lrAt(s, 339), 1e-4 + (7e-4 * 3991) / 4000, 'epoch 13, ii 13: 3900 + 91 = 3991, the last before the peak');
  close(lrAt(s, 340), 1e-4 + (7e-4 * 4000) / 4005, 'epoch 13, ii 14: 3900 + 105 = 4005, the counter skips 4,000');
  close(lrAt(s, 3750), 1e-4 + (7e-4 * 4000) / 45000, 'after 150 epochs: counter 45,000, lr ≈ 1.62e-4');
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
