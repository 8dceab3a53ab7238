// Training hooks, on the model of detectron2's HookBase: the loop (loop.ts)
// calls each hook's methods at fixed points, and every concern of a run
// (LR schedule, EMA, evaluation, checkpoints, TensorBoard, results.csv, the
// progress line, Ctrl-C, the finite-loss guard) is a hook; user hooks passed
// to train(options, { hooks }) are the same mechanism and run after the
// built-in ones, so they see what those did (an epoch's evaluation, say).
//
//   beforeTrain
//   for each epoch:
//     beforeEpoch
//     for each batch:
//       beforeStep, forward + loss, afterLoss, backward,
//       [beforeOptimizerStep, optimizer step, afterOptimizerStep] when due,
//       afterStep
//     afterEpoch            (skipped when a stop request ends the epoch early)
//   afterTrain              (in a finally: also after an error, with end.kind 'failed')
//
// Every method is optional and gets the TrainContext. The per-step ones
// that run inside the step (beforeStep, afterLoss, before/afterOptimizerStep)
// are synchronous; the others may return a promise. A hook keeps its own
// state for the checkpoint with stateDict() (JSON merged into the
// checkpoint's `extra`; keys must not clash) and gets it back on resume with
// loadStateDict() before beforeTrain. Resources a hook makes are released
// with ctx.onClose(fn), which runs after every afterTrain.
import type { Batch } from '../../data/index.js';
import type { Tensor } from '../../torch/index.js';
import type { Assignment, LossResult, YoloScale } from '../../yolo/index.js';
import type { EvalResult } from '../../val/index.js';
import type { LossParts } from '../tensorboard/index.js';
import type { TrainContext } from '../context.js';

/** The loss of the batch being trained, before backward. */
export interface LossEvent {
  /** The parts as numbers (already read from the device: no extra sync to look). */
  losses: LossParts;
  /** The loss's tensors and its assignment; the tensors are valid only during afterLoss (a tidy scope). */
  result: LossResult;
  /** The raw heads [B, na, h, w, 5 + nc] the loss was computed from (training mode; valid during afterLoss only), and their geometry. */
  heads: readonly Tensor[];
  scales: readonly YoloScale[];
  batch: Batch;
}

/** One trained batch, after its optimizer step (if one was due). */
export interface StepEnd {
  epoch: number;
  /** 0-based index of this batch across epochs (ctx.iteration is one more). */
  iteration: number;
  /** 0-based index of this batch in its epoch. */
  batch: number;
  losses: LossParts;
  /** The loss's (label, anchor) assignment, plain numbers. */
  assignment: Assignment;
  nPositives: number;
  imageIds: readonly string[];
  /** Whether this batch completed an optimizer step. */
  optimizerStep: boolean;
}

/** The end of an epoch whose batches were all trained. */
export interface EpochEnd {
  epoch: number;
  /** Means over every batch of the epoch (those trained before a resume included). */
  losses: LossParts;
  /** The last epoch of this call (the one before ctx.endEpoch: options.epochs, or where a hook ends the run). */
  isLast: boolean;
  /** Set by the evaluation hook when this epoch was evaluated. */
  eval?: EvalResult;
  /** Set by the evaluation hook when mAP@0.5 beat the best so far. */
  improved?: boolean;
}

/** How the run ended. */
export type TrainEnd =
  | { kind: 'finished' }
  /** A stop request (Ctrl-C, a hook): inside an epoch (resume continues mid-epoch), or during an epoch's end. */
  | { kind: 'stopped'; inEpoch: boolean }
  | { kind: 'failed'; error: unknown };

export interface TrainHook {
  /** For messages (and the checkpoint-state clash check). */
  readonly name?: string;
  /** On resume, before beforeTrain: the resumed checkpoint's `extra` (all hooks' state). */
  loadStateDict?(state: Readonly<Record<string, unknown>>, ctx: TrainContext): void;
  /** JSON state for the next checkpoint, merged into its `extra`. */
  stateDict?(ctx: TrainContext): Record<string, unknown>;
  beforeTrain?(ctx: TrainContext): void | Promise<void>;
  beforeEpoch?(ctx: TrainContext): void | Promise<void>;
  beforeStep?(ctx: TrainContext, batch: Batch): void;
  afterLoss?(ctx: TrainContext, loss: LossEvent): void;
  beforeOptimizerStep?(ctx: TrainContext): void;
  afterOptimizerStep?(ctx: TrainContext): void;
  afterStep?(ctx: TrainContext, step: StepEnd): void | Promise<void>;
  afterEpoch?(ctx: TrainContext, epoch: EpochEnd): void | Promise<void>;
  afterTrain?(ctx: TrainContext, end: TrainEnd): void | Promise<void>;
}
