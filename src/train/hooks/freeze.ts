// Frozen layers' BatchNorm in eval mode while the rest trains (freeze.ts):
// set before every step, since evaluation and the diagnostics put the whole
// model back in training mode when they finish.
import type { Module } from '../../nn/index.js';
import type { TrainContext } from '../context.js';
import { frozenBatchNorms } from '../freeze.js';
import type { TrainHook } from './hook.js';

export class FreezeHook implements TrainHook {
  readonly name = 'freeze';
  private norms: Module[] = [];

  beforeTrain(ctx: TrainContext): void {
    this.norms = frozenBatchNorms(ctx.model, ctx.options.freeze ?? 0);
  }

  beforeStep(): void {
    for (const m of this.norms) m.training = false;
  }
}
