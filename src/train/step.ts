// One training step (detectron2's run_step): forward in training mode →
// yoloLoss → backward, and the optimizer step once `accumulate` batches'
// gradients are summed (or the epoch's last batch is done, so an epoch
// boundary is always a clean state). The four parts are read from the
// device once, as numbers, for every hook to use.
import * as torch from '../torch/index.js';
import type { Batch } from '../data/index.js';
import { yoloLoss, yoloScales, type Assignment, type YoloScale } from '../yolo/index.js';
import { clipGradNorm } from './optimizer.js';
import { lossOptionsOf } from './options.js';
import type { LossParts } from './tensorboard/index.js';
import type { TrainContext } from './context.js';
import type { StepEnd } from './hooks/hook.js';
import type { HookRunner } from './hooks/runner.js';

export type TrainStep = (batch: Batch) => StepEnd;

/** The step function of a run; it owns (and disposes) `batch`. */
export function makeTrainStep(ctx: TrainContext, hooks: HookRunner): TrainStep {
  const o = ctx.options;
  const lossOptions = lossOptionsOf(o);
  const scalesBySize = new Map<number, YoloScale[]>();
  const scalesFor = (s: number) => {
    if (!scalesBySize.has(s)) scalesBySize.set(s, yoloScales(ctx.model.heads, ctx.model.strides(s, s)));
    return scalesBySize.get(s)!;
  };
  const params = ctx.model.parameters();
  const optimizerStep = () => {
    hooks.beforeOptimizerStep(ctx); // the LR schedule sets the rate of step ctx.steps here
    if (o.clipGradNorm > 0) clipGradNorm(params, o.clipGradNorm);
    torch.tidy(() => ctx.optimizer.step());
    ctx.optimizer.zeroGrad();
    ctx.steps++;
    ctx.pending = 0;
    hooks.afterOptimizerStep(ctx); // the EMA folds the new weights in here
  };
  const forwardBackward = (batch: Batch) => {
    let assignment: Assignment | undefined;
    let nPositives = 0;
    const losses = torch.tidy((): LossParts => {
      const heads = ctx.model.forwardHeads(ctx.device === 'cpu' ? batch.images : batch.images.to(ctx.device));
      const scales = scalesFor(batch.size);
      const result = yoloLoss(heads, batch.labels, scales, lossOptions);
      const parts = { bbox: result.box.item(), obj: result.obj.item(), cls: result.cls.item(), loss: result.total.item() };
      ({ assignment, nPositives } = result); // kept beside, not returned: tidy would walk its arrays
      hooks.afterLoss(ctx, { losses: parts, result, heads, scales, batch }); // the finite-loss guard throws here, before backward
      (ctx.accumulate > 1 ? result.total.div(ctx.accumulate) : result.total).backward();
      return parts;
    });
    return { losses, assignment: assignment!, nPositives };
  };
  return (batch) => {
    const { imageIds } = batch;
    let loss: ReturnType<typeof forwardBackward>;
    try {
      hooks.beforeStep(ctx, batch);
      loss = forwardBackward(batch);
    } finally {
      batch.dispose();
    }
    ctx.pending++;
    ctx.batch++;
    const stepped = ctx.pending === ctx.accumulate || ctx.batch === ctx.itersPerEpoch;
    if (stepped) optimizerStep();
    ctx.epochParts.push(loss.losses);
    ctx.losses.push(loss.losses.loss);
    ctx.iteration++;
    return { epoch: ctx.epoch, iteration: ctx.iteration - 1, batch: ctx.batch - 1, imageIds, optimizerStep: stepped, ...loss };
  };
}
