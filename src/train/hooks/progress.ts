// What a run prints: the progress line of each epoch (on a terminal, or
// whole lines in a log; only when printing to the console, not when a log
// function is given) and one summary line per epoch through ctx.log.
import { Progress, formatSeconds } from '../../util/progress.js';
import type { TrainContext } from '../context.js';
import type { EpochEnd, StepEnd, TrainHook } from './hook.js';

export class ProgressHook implements TrainHook {
  readonly name = 'progress';
  #progress?: Progress;
  #epochStart = 0;
  #images = 0;

  /** `line`: draw the progress line (the epoch summaries are always logged). */
  constructor(private readonly line: boolean) {}

  beforeEpoch(ctx: TrainContext): void {
    this.#epochStart = Date.now();
    this.#images = 0;
    const show = this.line && ctx.options.verbose !== false;
    this.#progress = show ? new Progress(`epoch ${ctx.epoch + 1}/${ctx.options.epochs}`, ctx.itersPerEpoch, 'it', ctx.itersPerEpoch + 1) : undefined;
  }

  afterStep(ctx: TrainContext, step: StepEnd): void {
    this.#images += step.imageIds.length;
    if (!this.#progress) return;
    const p = step.losses;
    const rate = this.#images / Math.max(1e-3, (Date.now() - this.#epochStart) / 1000);
    this.#progress.update(ctx.batch, `loss ${p.loss.toFixed(3)} (box ${p.bbox.toFixed(3)} obj ${p.obj.toFixed(3)} cls ${p.cls.toFixed(3)}) lr ${ctx.lr.toExponential(2)} ${rate.toFixed(1)} img/s`);
  }

  afterEpoch(ctx: TrainContext, { epoch, losses: l, eval: ev }: EpochEnd): void {
    const now = Date.now();
    ctx.log(`epoch ${epoch + 1}/${ctx.options.epochs}: loss ${l.loss.toFixed(4)} (box ${l.bbox.toFixed(4)} obj ${l.obj.toFixed(4)} cls ${l.cls.toFixed(4)}) lr ${ctx.lr.toExponential(2)}` +
      (ev ? ` mAP@0.5 ${ev.map50.toFixed(4)} mAP@0.5:0.95 ${ev.map.toFixed(4)}` : '') + ` [${formatSeconds((now - this.#epochStart) / 1000)}, total ${formatSeconds((now - ctx.startTime) / 1000)}]`);
  }
}
