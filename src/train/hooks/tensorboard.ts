// TensorBoard scalars: the series' per-iteration losses and LR, and per
// epoch the mean losses, LR and mAP@0.5 when evaluated (tags in ../tensorboard/tags.ts).
import { EventWriter, logEpoch, logIteration } from '../tensorboard/index.js';
import type { TrainContext } from '../context.js';
import type { EpochEnd, StepEnd, TrainHook } from './hook.js';

export class TensorBoardHook implements TrainHook {
  readonly name = 'tensorboard';
  #writer?: EventWriter;

  beforeTrain(ctx: TrainContext): void {
    const writer = new EventWriter(ctx.paths.dir);
    ctx.onClose(() => writer.close());
    this.#writer = writer;
  }

  afterStep(ctx: TrainContext, step: StepEnd): void {
    logIteration(this.#writer!, step.iteration, step.losses, ctx.lr);
  }

  afterEpoch(ctx: TrainContext, end: EpochEnd): void {
    logEpoch(this.#writer!, end.epoch, end.losses, ctx.lr, end.eval?.map50);
    this.#writer!.flush();
  }
}
