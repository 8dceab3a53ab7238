// The settings of each run of `yolov3 experiment series`: the series' own
// (SERIES_PRESET) scaled to the chosen size, as `yolov3 train` flags, so
// every run is an ordinary run folder and can be repeated by hand.
//
// Scaling: the series warms up over 4,000 of its counter's units in a run
// whose counter ends at 150 · 25·24/2 = 45,000 (total_iters += ii, 25
// batches an epoch), so its LR peaks 8.9% into the run and decays to
// 1.62e-4 by the end. A smaller run keeps that profile in epochs: its
// warm-up is 4,000 · (its counter's end) / 45,000. With a single batch an
// epoch the counter never moves (ii is always 0), so such a run counts
// optimizer steps instead, over the same fraction of the run.
import { SERIES_PRESET } from '../train/options.js';
import type { SeriesRun } from './series_runs.js';

export interface ExperimentSettings {
  cfg: string;
  data: string;
  /** Train (and evaluate) on the first this many images. */
  images: number;
  epochs: number;
  imgSize: number;
  batchSize: number;
}

/** The series' run: 150 epochs of 25 batches; its counter's end and warm-up. */
const SERIES_COUNTER_END = 150 * ((25 * 24) / 2);
const SERIES_WARMUP = SERIES_PRESET.warmupIters ?? 4000;

/** The warm-up and the counter of a run of this size, for the series' LR profile in epochs. */
export function scaledWarmup(s: Pick<ExperimentSettings, 'images' | 'epochs' | 'batchSize'>): { warmupIters: number; lrCounter: 'series' | 'steps' } {
  const k = Math.ceil(s.images / s.batchSize);
  if (k >= 2) {
    const end = (s.epochs * k * (k - 1)) / 2;
    return { warmupIters: Math.max(1, Math.round((SERIES_WARMUP * end) / SERIES_COUNTER_END)), lrCounter: 'series' };
  }
  return { warmupIters: Math.max(1, Math.round((SERIES_WARMUP / SERIES_COUNTER_END) * s.epochs * k)), lrCounter: 'steps' };
}

/** `yolov3 train` arguments of one run, inside the experiment folder `out`. */
export function trainArgs(s: ExperimentSettings, run: SeriesRun, out: string): string[] {
  const w = scaledWarmup(s);
  return [
    '--preset', 'series',
    '--cfg', s.cfg, '--data', s.data,
    '--max-samples', String(s.images), '--epochs', String(s.epochs),
    '--img-size', String(s.imgSize), '--batch-size', String(s.batchSize),
    '--warmup-iters', String(w.warmupIters), '--lr-counter', w.lrCounter,
    '--bbox-loss', run.bboxLoss, '--obj-target', run.objTarget, '--assign', run.assign,
    '--loss-form', run.lossForm, ...(run.whClamp === false ? ['--no-wh-clamp'] : []), '--diagnostics',
    '--eval-interval', '1', '--save-images', '4',
    '--project', out, '--name', run.name,
  ];
}
