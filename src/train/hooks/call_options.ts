// The switches train()'s second argument has always taken (onIteration,
// stopAfterEpochs, interruptAfterIterations), as hooks.
import * as torch from '../../torch/index.js';
import type { LossParts } from '../tensorboard/index.js';
import type { TrainHook } from './hook.js';

export interface IterationInfo {
  epoch: number;
  /** Batches trained so far, this one included. */
  iteration: number;
  losses: LossParts;
  lr: number;
  /** torch.memory().tensors after the step. */
  tensors: number;
}

export interface CallOptionSwitches {
  onIteration?(info: IterationInfo): void;
  /** Stops (saving `last`) after this many epochs of this call (tests). */
  stopAfterEpochs?: number;
  /** Interrupts as Ctrl-C does after this many iterations of this call (tests). */
  interruptAfterIterations?: number;
}

export function callOptionHooks(o: CallOptionSwitches): TrainHook[] {
  const hooks: TrainHook[] = [];
  const { onIteration, stopAfterEpochs: epochs, interruptAfterIterations: iterations } = o;
  if (onIteration) {
    hooks.push({ name: 'onIteration', afterStep: (ctx, s) => onIteration({ epoch: s.epoch, iteration: ctx.iteration, losses: s.losses, lr: ctx.lr, tensors: torch.memory().tensors }) });
  }
  if (epochs !== undefined) {
    // the epoch that completes the count is the last (detection images and all), as if options.epochs ended there
    hooks.push({ name: 'stopAfterEpochs', beforeTrain: (ctx) => void (ctx.endEpoch = Math.min(ctx.endEpoch, ctx.startEpoch + Math.max(1, epochs))) });
  }
  if (iterations !== undefined) {
    let seen = 0;
    hooks.push({ name: 'interruptAfterIterations', afterStep: (ctx) => void (++seen >= iterations && ctx.requestStop()) });
  }
  return hooks;
}
