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

import { ProcessGroup, type ProcessGroupOptions } from '../torch/distributed.js';
import { DistributedHook, checkResumedWorldSize } from './ddp/hook.js';

export { resolveTrainOptions, type TrainInput } from './setup.js';
export type { IterationInfo } from './hooks/index.js';

/** train()'s second argument. */
export interface TrainHooks extends CallOptionSwitches {
  /** The caller's hooks, run after the built-in ones (see hooks/hook.ts). */
  hooks?: TrainHook[];
  /** Log lines (default console.log; verbose false silences); given, it also turns the progress line off. */
  log?(line: string): void;
  /**
   * Data-parallel training (PyTorch's DistributedDataParallel, ddp/hook.ts):
   * this process is one rank of the group; each rank trains its shard of the
   * data, and only rank 0 writes checkpoints, TensorBoard, results.csv and
   * the log, and evaluates. `ddpOverlap`: the gradient allreduce during
   * backward, or after it (false, the default; ddp/hook.ts).
   */
  distributed?: ProcessGroupOptions & { ddpOverlap?: boolean };
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
 * On ranks other than 0 of data-parallel training, only those that write nothing.
 */
function builtInHooks(evaluation: EvaluationHook, progressLine: boolean, diagnostics: boolean, group?: ProcessGroup): TrainHook[] {
  // the frozen layers' BatchNorm in eval mode on every rank: each rank's forward must be the same model's (and with --sync-bn, make the same collectives)
  if (group && group.rank !== 0) return [new FreezeHook(), new FiniteLossHook(), new LrScheduleHook(), new EmaHook(), new InterruptHook()];
  return [
    new FreezeHook(), new FiniteLossHook(), new LrScheduleHook(), new EmaHook(), evaluation, new TensorBoardHook(), new ResultsHook(),
    ...(diagnostics ? [new DiagnosticsHook()] : []), // before the checkpoint: its state is saved with the epoch
    new CheckpointHook(), new ProgressHook(progressLine), new DetectionImagesHook(), new InterruptHook(),
  ];
}

/** Trains from scratch (or weights), or continues `resume` (a last/best checkpoint path). */
export async function train(input: TrainInput, call: TrainHooks = {}): Promise<TrainResult> {
  const group = call.distributed && ProcessGroup.init(call.distributed);
  let ctx;
  try {
    ctx = await openTraining(input, call.log, group);
  } catch (e) {
    group?.destroy();
    throw e;
  }
  if (group) ctx.onClose(() => group.destroy());
  try {
    if (!group && ctx.resume) checkResumedWorldSize(ctx.resume.info.extra, 1);
    const evaluation = new EvaluationHook();
    // the distributed hook after every other: its stop agreement follows the Ctrl-C listener's yield, its epoch end everything rank 0 does
    const ddp = group ? [new DistributedHook(group, { syncBatchNorm: ctx.options.syncBn === true, overlap: call.distributed?.ddpOverlap })] : [];
    const hooks = new HookRunner([...builtInHooks(evaluation, !call.log, ctx.options.diagnostics === true, group), ...callOptionHooks(call), ...(call.hooks ?? []), ...ddp]);
    const end = await runTraining(ctx, hooks);
    return {
      paths: ctx.paths, epochs: ctx.completedEpochs, iteration: ctx.iteration, losses: ctx.losses, evals: evaluation.evals, bestMap50: evaluation.bestMap50,
      lastEval: evaluation.lastEval, seconds: (Date.now() - ctx.startTime) / 1000, interrupted: end.kind === 'stopped',
    };
  } finally {
    await ctx.close();
  }
}
