import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scaledWarmup, trainArgs } from '../../src/experiment/series_settings.js';
import { SERIES_RUNS, selectRuns } from '../../src/experiment/series_runs.js';

test("the series' own size keeps its warm-up of 4,000 on its counter", () => {
  assert.deepEqual(scaledWarmup({ images: 100, batchSize: 4, epochs: 150 }), { warmupIters: 4000, lrCounter: 'series' });
});

test('a smaller run keeps the peak at the same fraction of its counter', () => {
  // 16 images at batch 4: 4 batches an epoch, the counter grows by 0+1+2+3 = 6, ending at 1,800 after 300 epochs
  assert.deepEqual(scaledWarmup({ images: 16, batchSize: 4, epochs: 300 }), { warmupIters: 160, lrCounter: 'series' }); // 4000 · 1800 / 45000
  // one batch an epoch: the series' counter would never move; count steps over the same fraction (300 · 4000/45000 = 26.7)
  assert.deepEqual(scaledWarmup({ images: 4, batchSize: 4, epochs: 300 }), { warmupIters: 27, lrCounter: 'steps' });
  assert.equal(scaledWarmup({ images: 2, batchSize: 4, epochs: 2 }).warmupIters, 1); // never 0
});

test('each run is a yolov3 train command line with its three variants', () => {
  const run = SERIES_RUNS.find((r) => r.name === 'mse-iou-ratio')!;
  const args = trainArgs({ cfg: 'c.cfg', data: 'd.yaml', images: 16, epochs: 300, imgSize: 416, batchSize: 4 }, run, 'out');
  const flag = (f: string) => args[args.indexOf(f) + 1];
  assert.equal(flag('--preset'), 'series');
  assert.deepEqual([flag('--bbox-loss'), flag('--obj-target'), flag('--assign')], ['mse', 'iou', 'ratio']);
  assert.deepEqual([flag('--warmup-iters'), flag('--lr-counter'), flag('--project'), flag('--name')], ['160', 'series', 'out', 'mse-iou-ratio']);
  assert.deepEqual(selectRuns(['iou-iou-best-iou', 'iou-iou-ratio']).map((r) => r.name), ['iou-iou-ratio', 'iou-iou-best-iou']);
  assert.throws(() => selectRuns(['nope']), /unknown run\(s\) nope; the runs are iou-iou-ratio/);
  // the fix runs without the series' clamp; the study's other runs keep it
  const clampOff = (name: string) => trainArgs({ cfg: 'c.cfg', data: 'd.yaml', images: 16, epochs: 300, imgSize: 416, batchSize: 4 }, selectRuns([name])[0], 'out').includes('--no-wh-clamp');
  assert.deepEqual(SERIES_RUNS.map((r) => clampOff(r.name)), [false, false, false, false, true]);
  assert.equal(clampOff('iou-iou-pred-iou-unclamped'), true);
  assert.equal(clampOff('iou-iou-best-iou-clamped'), false);
});
