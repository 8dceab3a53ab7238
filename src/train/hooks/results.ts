// results.csv, one row per epoch (a resume drops rows after the resumed
// epoch), and the curves PNG drawn from it when the run ends (also after a
// stop; not after a failure).
import { ResultsCsv, readResultsCsv } from '../results_csv.js';
import { saveCurvesPng } from '../curves.js';
import type { TrainContext } from '../context.js';
import type { EpochEnd, TrainEnd, TrainHook } from './hook.js';

export class ResultsHook implements TrainHook {
  readonly name = 'results';
  #csv?: ResultsCsv;

  beforeTrain(ctx: TrainContext): void {
    this.#csv = new ResultsCsv(ctx.paths.results, undefined, { resumeAfterEpoch: ctx.startEpoch - 1 });
  }

  afterEpoch(ctx: TrainContext, end: EpochEnd): void {
    const { losses: l, eval: ev } = end;
    this.#csv!.append({
      epoch: end.epoch, iteration: ctx.iteration, train_bbox: l.bbox, train_obj: l.obj, train_cls: l.cls, train_loss: l.loss, lr: ctx.lr,
      map50: ev?.map50, map: ev?.map, time_s: (Date.now() - ctx.startTime) / 1000,
    });
  }

  async afterTrain(ctx: TrainContext, end: TrainEnd): Promise<void> {
    if (end.kind === 'failed') return;
    try {
      const rows = readResultsCsv(ctx.paths.results).rows;
      if (rows.length) await saveCurvesPng(rows, ctx.paths.curves);
    } catch (e) {
      ctx.log(`warning: curves not drawn: ${(e as Error).message}`);
    }
  }
}
