// The training loop on a tiny Shapes set at 64 px with the small cfg: the
// loss falls, the run's files appear, no tensor leaks, and a resumed run
// repeats an uninterrupted one's per-iteration losses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { train, type IterationInfo } from '../../src/train/trainer.js';
import { readTrainingState, checkpointPath } from '../../src/train/training_state.js';
import { readResultsCsv } from '../../src/train/results_csv.js';
import { SHAPES_CFG, quiet, tempProject } from './train_setup.js';


function base(project: string, name: string) {
  return {
    cfg: SHAPES_CFG, data: 'shapes:16', imgSize: 64, batchSize: 4, augment: false, workers: 0, seed: 7,
    lr0: 1e-3, peakLr: 2e-3, warmupIters: 2, project, name, saveImages: 2,
  };
}

test('a short run: loss falls, files written, no tensor leak', async (t) => {
  const project = tempProject(t, 'yolo-train-');
  const start = torch.memory().tensors;
  const infos: IterationInfo[] = [];
  const r = await train({ ...base(project, 'a'), epochs: 4 }, { ...quiet, onIteration: (i) => infos.push(i) });
  assert.equal(r.iteration, 16);
  assert.equal(r.losses.length, 16);
  assert.ok(r.losses.every(Number.isFinite));
  const first = (r.losses[0] + r.losses[1] + r.losses[2] + r.losses[3]) / 4;
  const last = (r.losses[12] + r.losses[13] + r.losses[14] + r.losses[15]) / 4;
  assert.ok(last < first * 0.9, `loss ${first} -> ${last}`);
  // after the first step (optimizer state created) the live tensor count never moves
  const counts = infos.map((i) => i.tensors);
  assert.deepEqual(counts.slice(1), counts.slice(1).map(() => counts[1]), `tensor counts ${counts}`);
  assert.equal(torch.memory().tensors, start, 'the run frees everything it made');
  const dir = r.paths.dir;
  assert.ok(existsSync(checkpointPath(join(dir, 'weights'), 'last')));
  assert.ok(existsSync(checkpointPath(join(dir, 'weights'), 'best')));
  assert.ok(existsSync(join(dir, 'weights', 'last.weights')));
  assert.ok(existsSync(join(dir, 'curves.png')));
  assert.ok(readdirSync(dir).some((f) => f.includes('tfevents')));
  assert.equal(readdirSync(join(dir, 'detections')).filter((f) => f.endsWith('.png')).length, 2);
  const rows = readResultsCsv(join(dir, 'results.csv')).rows;
  assert.deepEqual(rows.map((x) => x.epoch), [0, 1, 2, 3]);
  assert.ok(rows.every((x) => x.map50 !== undefined && x.map50 >= 0 && x.map50 <= 1));
  const ck = readTrainingState(checkpointPath(join(dir, 'weights'), 'last'));
  try {
    assert.equal(ck.info.epoch, 3);
    assert.equal(ck.info.iteration, 16);
    assert.deepEqual(ck.info.classNames, ['circle', 'square', 'triangle']);
  } finally {
    ck.dispose();
  }
});

test('resume continues exactly: per-iteration losses equal an uninterrupted run', async (t) => {
  const project = tempProject(t, 'yolo-resume-');
  const opts = { ...base(project, 'x'), epochs: 3, saveImages: 0, ema: 0.9 };
  const full = await train({ ...opts, name: 'full' }, quiet);
  const part = await train({ ...opts, name: 'part' }, { ...quiet, stopAfterEpochs: 1 });
  assert.equal(part.epochs, 1);
  const rest = await train({ resume: checkpointPath(join(part.paths.dir, 'weights'), 'last') }, quiet);
  assert.equal(rest.paths.dir, part.paths.dir);
  assert.equal(rest.epochs, 3);
  const resumed = [...part.losses, ...rest.losses];
  assert.equal(resumed.length, full.losses.length);
  resumed.forEach((l, i) => assert.ok(Math.abs(l - full.losses[i]) <= 1e-6, `iteration ${i}: ${l} vs ${full.losses[i]}`));
  assert.deepEqual(readResultsCsv(join(part.paths.dir, 'results.csv')).rows.map((x) => x.epoch), [0, 1, 2]);
});
