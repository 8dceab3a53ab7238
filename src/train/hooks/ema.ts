// The EMA of the weights as a hook (options.ema > 0): made from the model
// (restored from the checkpoint on resume), updated after every optimizer
// step, and copied into a spare model for evaluation and the published
// weights. The checkpoint hook saves it with the model (its '@ema.' tensors).
import { Darknet } from '../../darknet/index.js';
import { ModelEMA } from '../ema.js';
import { restoreTrainingState } from '../training_state.js';
import type { TrainContext } from '../context.js';
import type { TrainHook } from './hook.js';

export class EmaHook implements TrainHook {
  readonly name = 'ema';

  beforeTrain(ctx: TrainContext): void {
    if (!(ctx.options.ema > 0)) return;
    const ema = new ModelEMA(ctx.model, { decay: ctx.options.ema });
    ctx.onClose(() => ema.dispose());
    if (ctx.resume) restoreTrainingState(ctx.resume, { ema, rng: false });
    const spare = new Darknet(ctx.model.cfg).to(ctx.device);
    ctx.onClose(() => spare.dispose());
    ctx.ema = ema;
    ctx.evalModel = spare;
  }

  afterOptimizerStep(ctx: TrainContext): void {
    ctx.ema?.update(ctx.model);
  }
}

/** The weights to evaluate and publish: the EMA's, copied into ctx.evalModel, or the model itself. */
export function evaluationModel(ctx: TrainContext): Darknet {
  if (ctx.ema) ctx.ema.copyTo(ctx.evalModel);
  return ctx.evalModel;
}
