// --save-period-iters: `last` is saved inside epochs too, at the first
// optimizer step N iterations after the previous save, so a crash loses at
// most N iterations; a resume from such a checkpoint continues exactly (the
// losses, results row, final weights and TensorBoard scalars of an
// uninterrupted run), and its event file starts with TensorBoard's purge
// marker at the resumed step, as PyTorch's SummaryWriter(purge_step=…).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { train } from '../../src/train/trainer.js';
import { checkpointPath, readTrainingState } from '../../src/train/training_state.js';
import { readResultsCsv } from '../../src/train/results_csv.js';
import type { TrainHook } from '../../src/train/hooks/index.js';
import { TAGS } from '../../src/train/tensorboard/index.js';
import { readEventFile, tensorBoardScalars } from './tensorboard_read.js';
import { SHAPES_CFG, quiet, tempProject } from './train_setup.js';

test('--save-period-iters saves last mid-epoch; a crash after it resumes exactly, with the purge marker', async (t) => {
  const project = tempProject(t, 'yolo-save-period-');
  const start = torch.memory().tensors;
  // 4 batches of 4 per epoch, 2 epochs; a save at the first step 3 or more iterations after the previous one
  const opts = {
    cfg: SHAPES_CFG, data: 'shapes:16', imgSize: 64, batchSize: 4, augment: true, workers: 0, seed: 5, lr0: 1e-3, peakLr: 2e-3, warmupIters: 2,
    project, epochs: 2, evalInterval: 1, maxValSamples: 4, ema: 0.9, savePeriodIters: 3,
  };
  const full = await train({ ...opts, name: 'full' }, quiet);
  assert.equal(full.losses.length, 8);

  // the iterations after which `last` changed (a save renames a new file over it: a new inode)
  const saves: string[] = [];
  let ino = -1;
  const watch = (ctx: { paths: { weights: string }; iteration: number }, at: string) => {
    const now = statSync(checkpointPath(ctx.paths.weights, 'last'), { throwIfNoEntry: false })?.ino ?? -1;
    if (now !== ino) saves.push(`${at} ${ctx.iteration}`);
    ino = now;
  };
  const crash: TrainHook = {
    name: 'crash',
    afterStep: (ctx) => {
      watch(ctx, 'step');
      if (ctx.iteration === 8) throw new Error('simulated crash at iteration 8'); // the epoch's last batch, before its end
    },
    afterEpoch: (ctx) => watch(ctx, 'epoch'),
  };
  await assert.rejects(train({ ...opts, name: 'part' }, { ...quiet, hooks: [crash] }), /simulated crash/);
  // saved at iteration 3 (batch 3 of 4), the end of epoch 1 (4), and 7 (3 after that); not at 8, which the epoch's end would save
  assert.deepEqual(saves, ['step 3', 'epoch 4', 'step 7']);
  const dir = join(project, 'part');
  const last = checkpointPath(join(dir, 'weights'), 'last');
  const ck = readTrainingState(last);
  try {
    assert.equal(ck.info.epoch, 0);
    assert.equal(ck.info.iteration, 7);
    assert.equal(ck.info.extra.resumeBatch, 3);
    assert.equal((ck.info.extra.epochParts as unknown[]).length, 3);
    assert.equal(ck.info.extra.interrupted, undefined, 'a periodic save, not a stop');
  } finally {
    ck.dispose();
  }

  const rest = await train({ resume: last }, quiet);
  assert.equal(rest.iteration, 8);
  assert.equal(rest.losses.length, 1, 'only the lost iteration is trained again');
  assert.ok(Math.abs(rest.losses[0] - full.losses[7]) <= 1e-6, `${rest.losses[0]} vs ${full.losses[7]}`);
  assert.deepEqual(readFileSync(join(dir, 'weights', 'last.weights')), readFileSync(join(full.paths.dir, 'weights', 'last.weights')), 'final weights bit for bit');
  const rowsFull = readResultsCsv(full.paths.results).rows;
  const rows = readResultsCsv(join(dir, 'results.csv')).rows;
  assert.deepEqual(rows.map((r) => r.epoch), [0, 1]);
  for (const key of ['train_loss', 'lr', 'map50'] as const) assert.equal(rows[1][key], rowsFull[1][key], key);

  // the resumed event file: file version, then session_log START, both at step 7 (PyTorch writes the same two events)
  const files = readdirTf(dir);
  assert.equal(files.length, 2);
  const resumed = readEventFile(join(dir, files[1]));
  assert.equal(resumed[0].fileVersion, 'brain.Event:2');
  assert.equal(resumed[0].step, 7);
  assert.deepEqual([resumed[1].sessionStatus, resumed[1].step, resumed[1].values], [1, 7, []]);
  assert.equal(readEventFile(join(full.paths.dir, readdirTf(full.paths.dir)[0])).filter((e) => e.sessionStatus !== undefined).length, 0, 'a new run has no marker');
  // as TensorBoard shows the run: each iteration and each epoch once, with the uninterrupted run's values
  const shown = tensorBoardScalars(dir);
  const reference = tensorBoardScalars(full.paths.dir);
  const crashed = readEventFile(join(dir, files[0]), { cutTail: true });
  assert.ok(crashed.some((e) => e.step === 7 && e.values.some((v) => v.tag === TAGS.iteration.loss)), 'the crashed run had logged iteration 7, which the marker discards');
  for (const tag of [TAGS.iteration.loss, TAGS.iteration.lr, TAGS.epoch.loss, TAGS.epoch.map]) {
    assert.deepEqual(shown.get(tag), reference.get(tag), tag);
  }
  assert.deepEqual(shown.get(TAGS.iteration.loss)!.map(([s]) => s), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(shown.get(TAGS.epoch.loss)!.map(([s]) => s), [1, 2]);
  assert.equal(torch.memory().tensors, start);
});

function readdirTf(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes('tfevents')).sort();
}
