// Checkpoints of the run (training state, ../training_state.ts; atomic):
// `last` after every epoch, `best` when mAP@0.5 improved; when a stop
// request ends an epoch early, `last` with the mid-epoch resume position
// (extra.resumeBatch, extra.epochParts; its epoch is the last one
// completed); and when the run ends (not after a failure), the published
// weights as darknet `last.weights` (the EMA's when EMA is on).
import { join } from 'node:path';
import { saveWeights } from '../../darknet/index.js';
import { checkpointPath, saveTrainingState, type TrainingState } from '../training_state.js';
import type { TrainContext } from '../context.js';
import { evaluationModel } from './ema.js';
import type { EpochEnd, TrainEnd, TrainHook } from './hook.js';

/** The run's state for a checkpoint whose last completed epoch is `epoch`; every hook's stateDict goes in `extra`. */
export function trainingState(ctx: TrainContext, epoch: number, extra: Record<string, unknown> = {}): TrainingState {
  return {
    model: ctx.model, optimizer: ctx.optimizer, ema: ctx.ema, epoch, iteration: ctx.iteration, schedule: ctx.schedule,
    options: ctx.options, classNames: ctx.classNames, extra: { steps: ctx.steps, ...ctx.hooks.stateDict(ctx), ...extra },
  };
}

export class CheckpointHook implements TrainHook {
  readonly name = 'checkpoint';

  afterEpoch(ctx: TrainContext, end: EpochEnd): void {
    saveTrainingState(checkpointPath(ctx.paths.weights, 'last'), trainingState(ctx, end.epoch));
    if (end.improved) saveTrainingState(checkpointPath(ctx.paths.weights, 'best'), trainingState(ctx, end.epoch, { map50: end.eval!.map50, map: end.eval!.map }));
  }

  afterTrain(ctx: TrainContext, end: TrainEnd): void {
    if (end.kind === 'failed') return; // e.g. a non-finite loss: `last` keeps the state before it
    const last = checkpointPath(ctx.paths.weights, 'last');
    if (end.kind === 'stopped' && end.inEpoch) {
      saveTrainingState(last, trainingState(ctx, ctx.epoch - 1, { resumeBatch: ctx.batch, epochParts: ctx.epochParts, interrupted: true }));
      ctx.log(`saved ${last}: epoch ${ctx.epoch + 1} interrupted after batch ${ctx.batch}/${ctx.itersPerEpoch} (iteration ${ctx.iteration}); --resume continues from there`);
    } else if (end.kind === 'stopped') {
      ctx.log(`saved ${last}: interrupted after epoch ${ctx.epoch + 1}; --resume continues with epoch ${ctx.epoch + 2}`);
    }
    saveWeights(evaluationModel(ctx), join(ctx.paths.weights, 'last.weights'));
  }
}
