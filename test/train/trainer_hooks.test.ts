// User hooks passed to train(options, { hooks }): they are called at every
// point of the loop in order, see each iteration's losses (and the loss's
// assignment) and each epoch's end with its evaluation; their state goes
// into checkpoints and comes back on resume; a hook can stop the run as
// Ctrl-C does; and a state key another writer owns fails the run cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { train } from '../../src/train/trainer.js';
import { checkpointPath, readTrainingState } from '../../src/train/training_state.js';
import type { TrainHook, TrainEnd } from '../../src/train/hooks/index.js';
import { SHAPES_CFG, quiet, tempProject } from './train_setup.js';

function base(project: string, name: string) {
  // 3 batches of 4 per epoch; evaluation every epoch
  return { cfg: SHAPES_CFG, data: 'shapes:12', imgSize: 64, batchSize: 4, augment: false, workers: 0, seed: 2, lr0: 1e-3, peakLr: 2e-3, warmupIters: 2, project, name, epochs: 2, maxValSamples: 4 };
}

test('a user hook sees every event in order, each iteration\'s losses and assignment, and each epoch\'s end', async (t) => {
  const project = tempProject(t, 'yolo-hooks-');
  const start = torch.memory().tensors;
  const events: string[] = [];
  const stepLosses: number[][] = [[], []];
  const epochMeans: number[] = [];
  const epochMaps: (number | undefined)[] = [];
  const positives: [number, number][] = [];
  let end: TrainEnd | undefined;
  const hook: TrainHook = {
    name: 'recorder',
    beforeTrain: (ctx) => void events.push(`beforeTrain ${ctx.startEpoch}/${ctx.endEpoch} ${ctx.itersPerEpoch}`),
    beforeEpoch: (ctx) => void events.push(`beforeEpoch ${ctx.epoch}`),
    beforeStep: (ctx) => void events.push(`beforeStep ${ctx.iteration}`),
    afterLoss: (_ctx, l) => {
      // the tensors are readable here; the parts are the tensors' values
      assert.equal(l.losses.loss, l.result.total.item());
      assert.equal(l.result.nPositives, l.result.assignment.s.length);
      positives.push([l.result.nPositives, -1]);
    },
    afterStep: (ctx, s) => {
      events.push(`afterStep ${s.epoch}:${s.batch} ${s.iteration}`);
      assert.equal(ctx.iteration, s.iteration + 1);
      stepLosses[s.epoch].push(s.losses.loss);
      positives[positives.length - 1][1] = s.assignment.s.length;
    },
    afterEpoch: (ctx, e) => {
      events.push(`afterEpoch ${e.epoch}${e.isLast ? ' last' : ''}`);
      epochMeans.push(e.losses.loss);
      epochMaps.push(e.eval?.map50);
    },
    afterTrain: (_ctx, e) => {
      events.push('afterTrain');
      end = e;
    },
  };
  const r = await train(base(project, 'a'), { ...quiet, hooks: [hook] });
  assert.deepEqual(events, [
    'beforeTrain 0/2 3',
    'beforeEpoch 0', 'beforeStep 0', 'afterStep 0:0 0', 'beforeStep 1', 'afterStep 0:1 1', 'beforeStep 2', 'afterStep 0:2 2', 'afterEpoch 0',
    'beforeEpoch 1', 'beforeStep 3', 'afterStep 1:0 3', 'beforeStep 4', 'afterStep 1:1 4', 'beforeStep 5', 'afterStep 1:2 5', 'afterEpoch 1 last',
    'afterTrain',
  ]);
  assert.deepEqual(end, { kind: 'finished' });
  assert.deepEqual([...stepLosses[0], ...stepLosses[1]], r.losses, 'the hook saw the losses the run reports');
  stepLosses.forEach((ls, e) => assert.ok(Math.abs(epochMeans[e] - ls.reduce((a, b) => a + b, 0) / ls.length) < 1e-12, `epoch ${e} mean`));
  assert.deepEqual(epochMaps, r.evals.map((x) => x.map50), 'each epoch end carries its evaluation');
  assert.ok(positives.every(([a, b]) => a === b && a > 0), `assignment sizes ${positives}`);
  assert.equal(torch.memory().tensors, start);
});

test('hook state is saved in checkpoints and given back on resume; a hook stops the run as Ctrl-C does', async (t) => {
  const project = tempProject(t, 'yolo-hooks-state-');
  let ends: TrainEnd[] = [];
  const counter = (stopAt?: number) => {
    let seen = 0;
    const hook: TrainHook & { loaded?: unknown } = {
      name: 'counter',
      loadStateDict: (state) => void (hook.loaded = state.countedSteps, (seen = Number(state.countedSteps))),
      stateDict: () => ({ countedSteps: seen }),
      afterStep: (ctx) => void (++seen === stopAt && ctx.requestStop()),
      afterTrain: (_ctx, e) => void ends.push(e),
    };
    return hook;
  };
  const first = counter(4);
  const part = await train(base(project, 'p'), { ...quiet, hooks: [first] });
  assert.equal(part.interrupted, true);
  assert.equal(part.iteration, 4);
  assert.deepEqual(ends, [{ kind: 'stopped', inEpoch: true }]);
  const last = checkpointPath(join(part.paths.dir, 'weights'), 'last');
  const ck = readTrainingState(last);
  try {
    assert.equal(ck.info.extra.countedSteps, 4);
    assert.equal(ck.info.extra.resumeBatch, 1, 'epoch 1 was stopped after its first batch');
  } finally {
    ck.dispose();
  }
  ends = [];
  const second = counter();
  const rest = await train({ resume: last }, { ...quiet, hooks: [second] });
  assert.equal(second.loaded, 4);
  assert.equal(rest.iteration, 6);
  assert.deepEqual(ends, [{ kind: 'finished' }]);
  const ck2 = readTrainingState(last);
  try {
    assert.equal(ck2.info.extra.countedSteps, 6, 'the resumed hook counted on from its saved state');
  } finally {
    ck2.dispose();
  }
});

test('a hook whose state key the trainer writes fails the run at the first checkpoint; afterTrain hears why; nothing leaks', async (t) => {
  const project = tempProject(t, 'yolo-hooks-clash-');
  const start = torch.memory().tensors;
  const ends: TrainEnd[] = [];
  const hook: TrainHook = { name: 'clash', stateDict: () => ({ steps: 0 }), afterTrain: (_ctx, e) => void ends.push(e) };
  await assert.rejects(train(base(project, 'c'), { ...quiet, hooks: [hook] }), /checkpoint state 'steps' of clash is also written by the trainer/);
  assert.equal(ends.length, 1);
  assert.equal(ends[0].kind, 'failed');
  assert.equal(torch.memory().tensors, start);
  assert.equal(process.listenerCount('SIGINT'), 0);
});
