// An interruption mid-epoch (the path Ctrl-C takes, triggered here by a
// hook) saves a `last` that resumes exactly: with gradient accumulation the
// run first finishes the optimizer step, the resume skips the batches
// already trained, and losses, the epoch's results row and the live tensor
// count match an uninterrupted run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { train } from '../../src/train/trainer.js';
import { readTrainingState, checkpointPath } from '../../src/train/training_state.js';
import { readResultsCsv } from '../../src/train/results_csv.js';
import { SHAPES_CFG, quiet, tempProject } from './train_setup.js';


test('interrupt mid-epoch with accumulation: last holds the finished step, resume equals an uninterrupted run', async (t) => {
  const project = tempProject(t, 'yolo-interrupt-');
  const start = torch.memory().tensors;
  // 4 batches of 4 per epoch, one optimizer step per 2 batches; evaluation only at the end
  const opts = {
    cfg: SHAPES_CFG, data: 'shapes:16', imgSize: 64, batchSize: 4, nominalBatchSize: 8, augment: true, workers: 0, seed: 3,
    lr0: 1e-3, peakLr: 2e-3, warmupIters: 2, project, epochs: 2, evalInterval: 10, maxValSamples: 4, ema: 0.9,
  };
  const full = await train({ ...opts, name: 'full' }, quiet);
  assert.equal(full.losses.length, 8);
  // asked to stop after iteration 5 (epoch 1, batch 1: half a step): it trains batch 2 to complete the step
  const part = await train({ ...opts, name: 'part' }, { ...quiet, interruptAfterIterations: 5 });
  assert.equal(part.interrupted, true);
  assert.equal(part.losses.length, 6);
  assert.equal(part.epochs, 1, 'one epoch completed');
  const last = checkpointPath(join(part.paths.dir, 'weights'), 'last');
  const ck = readTrainingState(last);
  try {
    assert.equal(ck.info.epoch, 0, 'the last completed epoch');
    assert.equal(ck.info.iteration, 6);
    assert.equal(ck.info.extra.resumeBatch, 2);
    assert.equal(ck.info.extra.steps, 3);
    assert.equal((ck.info.extra.epochParts as unknown[]).length, 2);
  } finally {
    ck.dispose();
  }
  const lines: string[] = [];
  const rest = await train({ resume: last }, { log: (s) => lines.push(s) });
  assert.ok(lines.some((l) => /resuming .* at epoch 2\/2, batch 3\/4 \(iteration 6\)/.test(l)), lines.join('\n'));
  assert.equal(rest.interrupted, false);
  assert.equal(rest.epochs, 2);
  assert.equal(rest.iteration, 8);
  const resumed = [...part.losses, ...rest.losses];
  assert.equal(resumed.length, full.losses.length);
  resumed.forEach((l, i) => assert.ok(Math.abs(l - full.losses[i]) <= 1e-6, `iteration ${i}: ${l} vs ${full.losses[i]}`));
  // the interrupted epoch's results row averages all four batches, as the uninterrupted one does
  const rowsFull = readResultsCsv(join(full.paths.dir, 'results.csv')).rows;
  const rowsResumed = readResultsCsv(join(part.paths.dir, 'results.csv')).rows;
  assert.deepEqual(rowsResumed.map((r) => r.epoch), [0, 1]);
  for (const key of ['train_loss', 'train_bbox', 'lr', 'map50'] as const) {
    assert.ok(Math.abs(rowsResumed[1][key]! - rowsFull[1][key]!) <= 1e-5, `${key}: ${rowsResumed[1][key]} vs ${rowsFull[1][key]}`);
  }
  assert.equal(torch.memory().tensors, start, 'the three runs free everything they made');
  assert.equal(process.listenerCount('SIGINT'), 0, 'no SIGINT handler left behind');
});
