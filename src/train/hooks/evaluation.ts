// Evaluation every evalInterval epochs (and after the last) on the run's
// evaluation loader, in the loader's letterboxed frame (src/val), and the
// best mAP@0.5 so far, which decides the `best` checkpoint. Its state for the
// checkpoint is that best (extra.bestMap50).
import { evaluateDetector, type EvalResult } from '../../val/index.js';
import type { TrainContext } from '../context.js';
import { evaluationModel } from './ema.js';
import type { EpochEnd, TrainHook } from './hook.js';

export class EvaluationHook implements TrainHook {
  readonly name = 'evaluation';
  bestMap50 = -1;
  readonly evals: { epoch: number; map50: number; map: number }[] = [];
  lastEval?: EvalResult;

  loadStateDict(state: Readonly<Record<string, unknown>>): void {
    this.bestMap50 = Number(state.bestMap50 ?? -1);
  }

  stateDict(): Record<string, unknown> {
    return { bestMap50: this.bestMap50 };
  }

  /** Sets end.eval (and end.improved) for the hooks after this one. */
  async afterEpoch(ctx: TrainContext, end: EpochEnd): Promise<void> {
    const o = ctx.options;
    const final = end.epoch === o.epochs - 1;
    if ((end.epoch + 1) % Math.max(1, o.evalInterval) !== 0 && !final) return;
    const ev = await evaluateDetector(evaluationModel(ctx), ctx.data.valLoader, { conf: o.evalConf, iou: o.evalIou, keepImages: final ? o.saveImages : 0 });
    this.lastEval = ev;
    this.evals.push({ epoch: end.epoch, map50: ev.map50, map: ev.map });
    end.eval = ev;
    end.improved = ev.map50 > this.bestMap50;
    if (end.improved) this.bestMap50 = ev.map50;
  }
}
