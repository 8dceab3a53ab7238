// Diagnostics of a run (TrainOptions.diagnostics, `yolov3 train
// --diagnostics`; the series experiment turns it on): diagnostics.csv, one
// row per epoch, with
// - map50_series: mAP@0.5 by the series' own in-training protocol
//   (diagnostics/series_map.ts: every 10th batch, an eval-mode forward of the
//   batch just trained, after its optimizer step; conf 0.3, NMS 0.5);
// - the assignment's behaviour (diagnostics/assignment_stats.ts): the
//   fraction of labels whose (scale, anchor) changed since the previous
//   epoch, the mean IoU of the assigned predictions, and the mean objectness
//   at assigned cells and elsewhere.
// Its state (what the epoch gathered, each label's last assignment) goes
// into checkpoints, so a resumed run writes the rows an uninterrupted one
// would. Off, it costs nothing; on, a few small device reads per step.
import { join } from 'node:path';
import * as torch from '../../torch/index.js';
import { nonMaxSuppression } from '../../boxes/index.js';
import { ResultsCsv } from '../results_csv.js';
import { AssignmentStats, type AssignmentStatsState } from '../diagnostics/assignment_stats.js';
import { SeriesMap, type SeriesMapState } from '../diagnostics/series_map.js';
import { stepStats } from '../diagnostics/step_stats.js';
import type { TrainContext } from '../context.js';
import type { EpochEnd, LossEvent, TrainHook } from './hook.js';

export const DIAGNOSTIC_COLUMNS = ['epoch', 'map50_series', 'series_batches', 'assign_changed', 'assigned_iou', 'obj_assigned', 'obj_elsewhere'] as const;

/** The series' thresholds for its in-training mAP (config['conf_thres'], config['nms_iou_thres']). */
const SERIES_CONF = 0.3;
const SERIES_NMS_IOU = 0.5;

interface DiagnosticsState {
  assignments: AssignmentStatsState;
  seriesMap: SeriesMapState;
}

export class DiagnosticsHook implements TrainHook {
  readonly name = 'diagnostics';
  readonly #stats = new AssignmentStats();
  readonly #map = new SeriesMap();
  #csv?: ResultsCsv;
  /** The batch to evaluate after its optimizer step (the series evaluates the weights just updated). */
  #pending?: { images: torch.Tensor; labels: Float32Array };

  loadStateDict(state: Readonly<Record<string, unknown>>): void {
    const s = state.diagnostics as DiagnosticsState | undefined;
    this.#stats.loadStateDict(s?.assignments);
    this.#map.loadStateDict(s?.seriesMap);
  }

  stateDict(): Record<string, unknown> {
    const diagnostics: DiagnosticsState = { assignments: this.#stats.stateDict(), seriesMap: this.#map.stateDict() };
    return { diagnostics };
  }

  beforeTrain(ctx: TrainContext): void {
    this.#csv = new ResultsCsv(join(ctx.paths.dir, 'diagnostics.csv'), DIAGNOSTIC_COLUMNS, { resumeAfterEpoch: ctx.startEpoch - 1 });
    ctx.onClose(() => this.#pending?.images.dispose());
  }

  afterLoss(ctx: TrainContext, e: LossEvent): void {
    this.#stats.addStep(stepStats(e.heads, e.scales, e.result.assignment, e.batch.labels, e.batch.imageIds));
    if (SeriesMap.evaluates(ctx.batch)) {
      this.#pending = { images: torch.keep(e.batch.images.clone()), labels: Float32Array.from(e.batch.labels.dataSync() as ArrayLike<number>) };
    }
  }

  afterStep(ctx: TrainContext): void {
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    const model = ctx.model;
    try {
      model.eval();
      const rows = torch.noGrad(() => torch.tidy(() => {
        const decoded = model.predict(ctx.device === 'cpu' ? p.images : p.images.to(ctx.device));
        return nonMaxSuppression(decoded, { confThreshold: SERIES_CONF, iouThreshold: SERIES_NMS_IOU }).map((t) => Float32Array.from(t.dataSync() as ArrayLike<number>));
      }));
      const [, , h, w] = p.images.shape;
      this.#map.add(rows, p.labels, w, h);
    } finally {
      model.train();
      p.images.dispose();
    }
  }

  afterEpoch(_ctx: TrainContext, end: EpochEnd): void {
    const a = this.#stats.endEpoch();
    const m = this.#map.endEpoch();
    this.#csv!.append({
      epoch: end.epoch, map50_series: m.batches > 0 ? m.map50 : undefined, series_batches: m.batches,
      assign_changed: a.assignChanged, assigned_iou: a.assignedIou, obj_assigned: a.objAssigned, obj_elsewhere: a.objElsewhere,
    });
  }
}
