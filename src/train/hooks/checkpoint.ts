// Checkpoints of the run (training state, ../training_state.ts; atomic):
// `last` after every epoch, `best` when mAP@0.5 improved; with
// options.savePeriodIters N, `last` also inside an epoch at the first
// optimizer step N or more iterations after the previous save, so a kill
// loses at most N iterations (with accumulation, up to the step that
// completes them); when a stop request ends an epoch early, `last` with the
// mid-epoch resume position (extra.resumeBatch, extra.epochParts; its epoch
// is the last one completed); and when the run ends (not after a failure),
// the published weights as darknet `last.weights` (the EMA's when EMA is on).
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

/** `last` at the current batch of the current epoch: a resume continues after it exactly. */
function saveMidEpoch(ctx: TrainContext, extra: Record<string, unknown> = {}): string {
  const last = checkpointPath(ctx.paths.weights, 'last');
  saveTrainingState(last, trainingState(ctx, ctx.epoch - 1, { resumeBatch: ctx.batch, epochParts: ctx.epochParts, ...extra }));
  return last;
}

export class CheckpointHook implements TrainHook {
  readonly name = 'checkpoint';
  /** ctx.iteration at the last save of `last` (or the start). */
  #savedAt = 0;

  beforeTrain(ctx: TrainContext): void {
    this.#savedAt = ctx.iteration;
  }

  afterStep(ctx: TrainContext): void {
    const every = ctx.options.savePeriodIters ?? 0;
    // a clean point only (no gradients pending); the epoch's last batch is saved by the epoch's end just after
    if (!(every > 0) || ctx.pending !== 0 || ctx.iteration - this.#savedAt < every || ctx.batch === ctx.itersPerEpoch) return;
    saveMidEpoch(ctx);
    this.#savedAt = ctx.iteration;
  }

  afterEpoch(ctx: TrainContext, end: EpochEnd): void {
    saveTrainingState(checkpointPath(ctx.paths.weights, 'last'), trainingState(ctx, end.epoch));
    this.#savedAt = ctx.iteration;
    if (end.improved) saveTrainingState(checkpointPath(ctx.paths.weights, 'best'), trainingState(ctx, end.epoch, { map50: end.eval!.map50, map: end.eval!.map }));
  }

  afterTrain(ctx: TrainContext, end: TrainEnd): void {
    if (end.kind === 'failed') return; // e.g. a non-finite loss: `last` keeps the state before it
    if (end.kind === 'stopped' && end.inEpoch) {
      const last = saveMidEpoch(ctx, { interrupted: true });
      ctx.log(`saved ${last}: epoch ${ctx.epoch + 1} interrupted after batch ${ctx.batch}/${ctx.itersPerEpoch} (iteration ${ctx.iteration}); --resume continues from there`);
    } else if (end.kind === 'stopped') {
      ctx.log(`saved ${checkpointPath(ctx.paths.weights, 'last')}: interrupted after epoch ${ctx.epoch + 1}; --resume continues with epoch ${ctx.epoch + 2}`);
    }
    saveWeights(evaluationModel(ctx), join(ctx.paths.weights, 'last.weights'));
  }
}
