// Learning-rate schedules as pure functions of the iteration, so a resumed
// run gets exactly the rates of an uninterrupted one from the saved
// iteration alone. `iter` is the 0-based index of the optimizer step about
// to be taken (the first step is iter 0). A spec is plain JSON, so it is
// saved in checkpoints with the other options.
import type { NetSpec } from '../darknet/specs.js';
import { seriesStepLr } from './series_lr.js';

/**
 * The schedules by name, as TrainOptions.schedule and `yolov3 train
 * --schedule` take them; each is documented at its LrScheduleSpec case below
 * (scheduleFor in options.ts maps a run's options to its spec).
 */
export const LR_SCHEDULES = ['warmup-cosine', 'series', 'cosine', 'constant', 'darknet'] as const;
export type LrScheduleKind = (typeof LR_SCHEDULES)[number];

export type LrScheduleSpec =
  /**
   * Linear warm-up from lr0 (at iter 0) to peakLr (at iter = warmupIters),
   * then a decay to finalLr (default lr0) that reaches it at iter =
   * totalIters and stays there. `decay: 'cosine'` (default) follows half a
   * cosine; 'linear' a straight line. The main job's and the default
   * schedule (it was called 'series' before the series' own was
   * transcribed; a checkpoint's spec of kind 'series' with totalIters is
   * this one).
   */
  | { kind: 'warmup-cosine'; lr0: number; peakLr: number; warmupIters: number; totalIters: number; finalLr?: number; decay?: 'cosine' | 'linear' }
  /**
   * The series' `lr_schedular` (series_lr.ts): a linear rise to peakLr at
   * t = warmupIters, then lr0 + (peakLr − lr0)·(W/t)^power. t is the
   * optimizer step, or with `batchesPerEpoch` the series' own counter
   * (`total_iters += ii`), which reproduces its LR profile in epochs.
   */
  | { kind: 'series'; lr0: number; peakLr: number; warmupIters: number; power?: number; batchesPerEpoch?: number }
  /**
   * Darknet's get_current_rate(): during burn-in learningRate * (b/burnIn)^power
   * (power 4 by default); then policy 'steps' multiplies by scales[k] once
   * b >= steps[k], 'poly' is learningRate * (1 - b/maxBatches)^power and
   * 'constant' is learningRate. b is darknet's batch number, which counts the
   * current update too: b = iter + 1.
   */
  | { kind: 'darknet'; learningRate: number; burnIn: number; power?: number; policy?: 'steps' | 'constant' | 'poly'; steps?: number[]; scales?: number[]; maxBatches?: number }
  /**
   * Cosine with warm-up: linear from warmupStartLr (default 0) to lr over
   * warmupIters, then half a cosine down to finalLr (default 0) at totalIters.
   */
  | { kind: 'cosine'; lr: number; warmupIters: number; totalIters: number; warmupStartLr?: number; finalLr?: number }
  | { kind: 'constant'; lr: number };

/** Linear ramp from `from` to `to` over `iters`, then decay to `final` at `total`. */
function warmupDecay(iter: number, from: number, to: number, iters: number, total: number, final: number, decay: 'cosine' | 'linear'): number {
  if (iter < iters) return from + ((to - from) * iter) / iters;
  const span = total - iters;
  const t = span > 0 ? Math.min(1, (iter - iters) / span) : 1;
  const k = decay === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * t)) : 1 - t;
  return final + (to - final) * k;
}

function darknetRate(iter: number, s: Extract<LrScheduleSpec, { kind: 'darknet' }>): number {
  const b = iter + 1;
  const power = s.power ?? 4;
  if (b < s.burnIn) return s.learningRate * Math.pow(b / s.burnIn, power);
  switch (s.policy ?? 'steps') {
    case 'constant':
      return s.learningRate;
    case 'poly':
      if (!s.maxBatches) throw new Error('darknet lr policy poly needs maxBatches');
      return s.learningRate * Math.pow(Math.max(0, 1 - b / s.maxBatches), power);
    case 'steps': {
      const steps = s.steps ?? [];
      const scales = s.scales ?? [];
      let rate = s.learningRate;
      for (let k = 0; k < steps.length; k++) {
        if (steps[k] > b) return rate;
        rate *= scales[k] ?? 1;
      }
      return rate;
    }
  }
}

/** The learning rate at `iter` (0-based optimizer step). */
export function lrAt(spec: LrScheduleSpec, iter: number): number {
  if (!Number.isInteger(iter) || iter < 0) throw new Error(`lr schedule: iteration must be a non-negative integer, got ${iter}`);
  switch (spec.kind) {
    case 'series':
      if ('totalIters' in spec) return lrAt({ ...(spec as object), kind: 'warmup-cosine' } as LrScheduleSpec, iter); // saved before the rename
      return seriesStepLr(iter, spec);
    case 'warmup-cosine':
      return warmupDecay(iter, spec.lr0, spec.peakLr, spec.warmupIters, spec.totalIters, spec.finalLr ?? spec.lr0, spec.decay ?? 'cosine');
    case 'cosine':
      return warmupDecay(iter, spec.warmupStartLr ?? 0, spec.lr, spec.warmupIters, spec.totalIters, spec.finalLr ?? 0, 'cosine');
    case 'darknet':
      return darknetRate(iter, spec);
    case 'constant':
      return spec.lr;
  }
}

/** A darknet schedule from a cfg's [net] section (power from `power=` when given). */
export function darknetScheduleFromNet(net: Pick<NetSpec, 'learningRate' | 'burnIn' | 'policy' | 'steps' | 'scales' | 'maxBatches' | 'extra'>): LrScheduleSpec {
  const policy = net.policy;
  if (policy !== 'steps' && policy !== 'constant' && policy !== 'poly') throw new Error(`darknet lr policy '${policy}' is not supported (steps, constant, poly)`);
  const power = net.extra.power !== undefined ? Number(net.extra.power) : 4;
  return { kind: 'darknet', learningRate: net.learningRate, burnIn: net.burnIn, power, policy, steps: net.steps, scales: net.scales, maxBatches: net.maxBatches };
}

/** Sets every parameter group's learning rate (what a scheduler step does). */
export function setLearningRate(optimizer: { paramGroups: { lr: number }[] }, lr: number): void {
  for (const g of optimizer.paramGroups) g.lr = lr;
}
