// Resume exactness with the worker-thread loader and augmentation on: a run
// stopped after epoch 1 and resumed repeats an uninterrupted one's
// per-iteration losses, and both equal an in-process (workers 0) run's, so
// order and random transforms depend only on seed and epoch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { train } from '../../src/train/trainer.js';
import { checkpointPath } from '../../src/train/training_state.js';
import { SHAPES_CFG, quiet, tempProject } from './train_setup.js';


test('workers 2 with augmentation: resume continues exactly and equals workers 0', async (t) => {
  const project = tempProject(t, 'yolo-resume-workers-');
  const start = torch.memory().tensors;
  const opts = {
    cfg: SHAPES_CFG, data: 'shapes:16', imgSize: 64, batchSize: 4, augment: true, workers: 2, seed: 11,
    lr0: 1e-3, peakLr: 2e-3, warmupIters: 2, project, epochs: 2, evalInterval: 10, maxValSamples: 4,
  };
  const full = await train({ ...opts, name: 'full' }, quiet);
  const part = await train({ ...opts, name: 'part' }, { ...quiet, stopAfterEpochs: 1 });
  assert.equal(part.epochs, 1);
  const rest = await train({ resume: checkpointPath(join(part.paths.dir, 'weights'), 'last') }, quiet);
  assert.equal(rest.epochs, 2);
  const resumed = [...part.losses, ...rest.losses];
  assert.equal(resumed.length, 8);
  assert.equal(full.losses.length, 8);
  resumed.forEach((l, i) => assert.ok(Math.abs(l - full.losses[i]) <= 1e-6, `iteration ${i}: ${l} vs ${full.losses[i]}`));
  // the same first epoch prepared in process
  const inProcess = await train({ ...opts, workers: 0, epochs: 1, name: 'w0' }, quiet);
  inProcess.losses.forEach((l, i) => assert.ok(Math.abs(l - full.losses[i]) <= 1e-6, `workers 0, iteration ${i}: ${l} vs ${full.losses[i]}`));
  assert.equal(torch.memory().tensors, start);
});
