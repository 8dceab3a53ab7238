// train(): a run of the training loop (loop.ts) with the built-in hooks
// (hooks/) and the caller's own. From scratch, weights or a backbone, or
// continuing a `last`/`best` checkpoint exactly (also one saved mid-epoch
// by Ctrl-C); see context.ts for the counters and loop.ts for stops.
import type { EvalResult } from '../val/index.js';
import { openTraining, type TrainInput } from './setup.js';
import { runTraining } from './loop.js';
import type { RunPaths } from './run_dir.js';
import {
  CheckpointHook, DetectionImagesHook, DiagnosticsHook, EmaHook, EvaluationHook, FiniteLossHook, FreezeHook, HookRunner, InterruptHook, LrScheduleHook, ProgressHook, ResultsHook,
  TensorBoardHook, callOptionHooks, type CallOptionSwitches, type TrainHook,
} from './hooks/index.js';

export { resolveTrainOptions, type TrainInput } from './setup.js';
export type { IterationInfo } from './hooks/index.js';

/** train()'s second argument. */
export interface TrainHooks extends CallOptionSwitches {
  /** The caller's hooks, run after the built-in ones (see hooks/hook.ts). */
  hooks?: TrainHook[];
  /** Log lines (default console.log; verbose false silences); given, it also turns the progress line off. */
  log?(line: string): void;
}

export interface TrainResult {
  paths: RunPaths;
  /** Epochs completed in total (including a resumed run's earlier ones). */
  epochs: number;
  iteration: number;
  /** Per-iteration total loss of this call. */
  losses: number[];
  evals: { epoch: number; map50: number; map: number }[];
  bestMap50: number;
  lastEval?: EvalResult;
  seconds: number;
  interrupted: boolean;
}

/**
 * The built-in hooks, in the order they run: frozen layers' BatchNorm set
 * to eval before each step's forward; the guard before anything
 * else sees a loss; the schedule before the EMA; evaluation first at an
 * epoch's end (the others read its result); checkpoints after the best is
 * known; the Ctrl-C listener's yield last of the built-in per-step work.
 */
function builtInHooks(evaluation: EvaluationHook, progressLine: boolean, diagnostics: boolean): TrainHook[] {
  return [
    new FreezeHook(), new FiniteLossHook(), new LrScheduleHook(), new EmaHook(), evaluation, new TensorBoardHook(), new ResultsHook(),
    ...(diagnostics ? [new DiagnosticsHook()] : []), // before the checkpoint: its state is saved with the epoch
    new CheckpointHook(), new ProgressHook(progressLine), new DetectionImagesHook(), new InterruptHook(),
  ];
}

/** Trains from scratch (or weights), or continues `resume` (a last/best checkpoint path). */
export async function train(input: TrainInput, call: TrainHooks = {}): Promise<TrainResult> {
  const ctx = await openTraining(input, call.log);
  try {
    const evaluation = new EvaluationHook();
    const hooks = new HookRunner([...builtInHooks(evaluation, !call.log, ctx.options.diagnostics === true), ...callOptionHooks(call), ...(call.hooks ?? [])]);
    const end = await runTraining(ctx, hooks);
    return {
      paths: ctx.paths, epochs: ctx.completedEpochs, iteration: ctx.iteration, losses: ctx.losses, evals: evaluation.evals, bestMap50: evaluation.bestMap50,
      lastEval: evaluation.lastEval, seconds: (Date.now() - ctx.startTime) / 1000, interrupted: end.kind === 'stopped',
    };
  } finally {
    await ctx.close();
  }
}
