// Stops training on a non-finite loss, before its backward, with an error
// naming the bad parts and the batch's images (../finite_guard.ts); the
// checkpoint hook then saves nothing, so `last` keeps the previous state.
import { assertFiniteLoss } from '../finite_guard.js';
import type { TrainContext } from '../context.js';
import type { LossEvent, TrainHook } from './hook.js';

export class FiniteLossHook implements TrainHook {
  readonly name = 'finiteLoss';

  afterLoss(ctx: TrainContext, { losses: p, batch }: LossEvent): void {
    assertFiniteLoss({ box: p.bbox, obj: p.obj, cls: p.cls, total: p.loss }, batch.imageIds, { epoch: ctx.epoch, iteration: ctx.iteration });
  }
}
