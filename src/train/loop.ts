// The training loop (detectron2's TrainerBase.train): epochs of steps with
// the hooks called around them; everything else a run does is a hook.
//
// A stop request (Ctrl-C, a hook's ctx.requestStop()) ends the epoch after
// the current optimizer step (with accumulation, after the batches that
// complete it) without the epoch's end; the checkpoint hook then saves
// `last` with extra.resumeBatch = the batches of the epoch already trained
// and extra.epochParts = their losses, and a resume skips those batches
// without preparing them and continues exactly where the stopped run did.
// A request that arrives during an epoch's end (the evaluation) stops after
// it: that epoch's `last` is then the clean state.
import type { TrainContext } from './context.js';
import type { EpochEnd, TrainEnd } from './hooks/hook.js';
import type { HookRunner } from './hooks/runner.js';
import type { LossParts } from './tensorboard/index.js';
import { makeTrainStep, type TrainStep } from './step.js';
import { restoreTrainingState } from './training_state.js';

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function meanParts(parts: LossParts[]): LossParts {
  return { bbox: mean(parts.map((s) => s.bbox)), obj: mean(parts.map((s) => s.obj)), cls: mean(parts.map((s) => s.cls)), loss: mean(parts.map((s) => s.loss)) };
}

/** Trains one epoch; returns how the run ended, or undefined to go on. */
async function trainEpoch(ctx: TrainContext, hooks: HookRunner, step: TrainStep, epoch: number): Promise<TrainEnd | undefined> {
  const skip = epoch === ctx.startEpoch ? ctx.resumeBatch : 0;
  ctx.epoch = epoch;
  ctx.batch = skip;
  ctx.pending = 0;
  if (epoch !== ctx.startEpoch) ctx.epochParts = []; // the first keeps the losses of batches trained before a resume
  await hooks.beforeEpoch(ctx);
  for await (const batch of ctx.data.trainLoader.epoch(epoch, { fromBatch: skip })) {
    await hooks.afterStep(ctx, step(batch));
    if (ctx.stopRequested && ctx.pending === 0) break; // with accumulation, only once the step is taken
  }
  // also when every batch is done: the resume then runs this epoch's end (evaluation, results row, checkpoints)
  if (ctx.stopRequested) return { kind: 'stopped', inEpoch: true };
  const end: EpochEnd = { epoch, losses: meanParts(ctx.epochParts), isLast: epoch === ctx.endEpoch - 1 };
  await hooks.afterEpoch(ctx, end);
  ctx.completedEpochs++;
  if (end.isLast) return { kind: 'finished' };
  if (ctx.stopRequested) return { kind: 'stopped', inEpoch: false };
  return undefined;
}

/** Runs the epochs with `hooks`; afterTrain runs whatever happens, and a failure is rethrown after it. */
export async function runTraining(ctx: TrainContext, hooks: HookRunner): Promise<TrainEnd> {
  ctx.hooks = hooks;
  let end: TrainEnd = { kind: 'finished' };
  try {
    if (ctx.resume) hooks.loadStateDict(ctx, ctx.resume.info.extra);
    await hooks.beforeTrain(ctx);
    // the global RNG last, so what hooks set up (the EMA's spare model draws initial weights) cannot shift it
    if (ctx.resume) restoreTrainingState(ctx.resume, {});
    ctx.releaseResume();
    const step = makeTrainStep(ctx, hooks);
    for (let epoch = ctx.startEpoch; epoch < ctx.endEpoch; epoch++) {
      const stopped = await trainEpoch(ctx, hooks, step, epoch);
      if (stopped) {
        end = stopped;
        break;
      }
    }
    return end;
  } catch (error) {
    end = { kind: 'failed', error };
    throw error;
  } finally {
    await hooks.afterTrain(ctx, end);
  }
}
