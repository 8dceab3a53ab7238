// The LR schedule as a hook: before each optimizer step the rate of step
// ctx.steps from lrAt(), a pure function of the step, so a resumed run
// takes exactly the rates of an uninterrupted one. Its state is the
// schedule spec, saved in every checkpoint (its `schedule`) and taken from
// the resumed one, so a resume with a new --epochs keeps the run's schedule.
import { lrAt, setLearningRate } from '../lr_schedule.js';
import { scheduleFor } from '../options.js';
import type { TrainContext } from '../context.js';
import type { TrainHook } from './hook.js';

export class LrScheduleHook implements TrainHook {
  readonly name = 'lrSchedule';

  beforeTrain(ctx: TrainContext): void {
    ctx.schedule = ctx.resume?.info.schedule ?? scheduleFor(ctx.options, ctx.stepsPerEpoch);
    ctx.lr = lrAt(ctx.schedule, Math.max(0, ctx.steps - 1)); // the rate of the last step taken, as an uninterrupted run holds it
    setLearningRate(ctx.optimizer, ctx.lr);
  }

  beforeOptimizerStep(ctx: TrainContext): void {
    ctx.lr = lrAt(ctx.schedule!, ctx.steps);
    setLearningRate(ctx.optimizer, ctx.lr);
  }
}
