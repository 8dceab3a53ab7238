// The trainer's state, as the loop and every hook see it (detectron2's
// `hook.trainer`): the run's fixed parts (options, paths, model, optimizer,
// data), its counters, and slots that built-in hooks fill (schedule, EMA).
//
// Counters: `iteration` counts batches trained (one per loop turn, across
// epochs; not the series' quadratic `total_iters += ii`); `steps` counts
// optimizer steps and is the LR schedule's position. Without accumulation
// they are equal. Epochs are 0-based; a checkpoint's epoch is the last one
// completed and a resume starts at the next. Each epoch ends with an
// optimizer step when gradients are pending, so an epoch boundary is a
// clean state and a resumed run repeats an uninterrupted one exactly
// (the loader's order and augmentation depend only on seed and epoch).
import type * as torch from '../torch/index.js';
import type { Darknet } from '../darknet/index.js';
import type { ModelEMA } from './ema.js';
import type { LrScheduleSpec } from './lr_schedule.js';
import type { TrainOptions } from './options.js';
import type { TrainOptimizer } from './optimizer.js';
import type { RunData } from './data.js';
import type { RunPaths } from './run_dir.js';
import type { LossParts } from './tensorboard/index.js';
import type { LoadedTrainingState } from './training_state.js';
import type { HookRunner } from './hooks/runner.js';

/** Functions run last-in first-out when the run ends, whatever happened; all run, the first error is rethrown. */
export class Cleanups {
  readonly #fns: (() => unknown)[] = [];

  add(fn: () => unknown): void {
    this.#fns.push(fn);
  }

  async run(): Promise<void> {
    let first: { error: unknown } | undefined;
    for (const fn of this.#fns.splice(0).reverse()) {
      try {
        await fn();
      } catch (error) {
        first ??= { error };
      }
    }
    if (first) throw first.error;
  }
}

/** What openTraining builds; fixed for the run. */
export interface TrainRun {
  options: TrainOptions;
  paths: RunPaths;
  device: torch.Device;
  model: Darknet;
  optimizer: TrainOptimizer;
  data: RunData;
  classNames: string[];
  /** Batches per optimizer step (gradient accumulation; 1: none). */
  accumulate: number;
  itersPerEpoch: number;
  /** Date.now() when train() was called. */
  startTime: number;
  log: (line: string) => void;
}

/** Where a run starts: 0 for a new run, the checkpoint's position on resume. */
export interface StartPosition {
  /** The first epoch this call trains. */
  epoch: number;
  iteration: number;
  steps: number;
  /** Batches of `epoch` already trained before an interruption; skipped without being prepared. */
  resumeBatch: number;
  /** Their losses, so the epoch's means cover every batch. */
  epochParts: LossParts[];
}

export class TrainContext implements TrainRun {
  readonly options: TrainOptions;
  readonly paths: RunPaths;
  readonly device: torch.Device;
  readonly model: Darknet;
  readonly optimizer: TrainOptimizer;
  readonly data: RunData;
  readonly classNames: string[];
  readonly accumulate: number;
  readonly itersPerEpoch: number;
  readonly stepsPerEpoch: number;
  readonly startTime: number;
  readonly log: (line: string) => void;
  /** The checkpoint being resumed, readable until every hook's beforeTrain has run, then freed. */
  resume?: LoadedTrainingState;
  readonly startEpoch: number;
  readonly resumeBatch: number;
  /** Epochs end before this one: options.epochs, or earlier when a hook ends the run (set it in beforeTrain). */
  endEpoch: number;
  /** The epoch being trained (0-based). */
  epoch: number;
  /** Batches trained so far, across epochs (during a step: the index of the batch being trained). */
  iteration: number;
  /** Optimizer steps taken so far (in beforeOptimizerStep: the index of the step about to be taken). */
  steps: number;
  /** Batches of this epoch done, the skipped ones of a resumed epoch included. */
  batch = 0;
  /** Batches whose gradients wait for the next optimizer step. */
  pending = 0;
  /** Loss parts of every batch of this epoch so far (the mid-epoch resume position keeps them). */
  epochParts: LossParts[];
  /** Epochs completed in total (a resumed run's earlier ones included). */
  completedEpochs: number;
  /** Per-iteration total loss of this call. */
  readonly losses: number[] = [];
  /** The rate of the last optimizer step taken (the LR schedule hook keeps it). */
  lr = 0;
  /** The LR schedule (set by the LR schedule hook; saved in checkpoints). */
  schedule?: LrScheduleSpec;
  /** The EMA of the weights, when options.ema > 0 (set by the EMA hook). */
  ema?: ModelEMA;
  /** The model evaluated and published: `model`, or a spare one the EMA's weights are copied into. */
  evalModel: Darknet;
  /** Every hook of the run, built-in ones first (set when the loop starts). */
  hooks!: HookRunner;
  #stopRequested = false;
  readonly #cleanups: Cleanups;

  constructor(run: TrainRun, start: StartPosition, cleanups: Cleanups, resume?: LoadedTrainingState) {
    ({ options: this.options, paths: this.paths, device: this.device, model: this.model, optimizer: this.optimizer, data: this.data } = run);
    ({ classNames: this.classNames, accumulate: this.accumulate, itersPerEpoch: this.itersPerEpoch, startTime: this.startTime, log: this.log } = run);
    this.stepsPerEpoch = Math.ceil(this.itersPerEpoch / this.accumulate);
    this.startEpoch = this.epoch = this.completedEpochs = start.epoch;
    this.iteration = start.iteration;
    this.steps = start.steps;
    this.resumeBatch = start.resumeBatch;
    this.epochParts = [...start.epochParts];
    this.endEpoch = this.options.epochs;
    this.evalModel = this.model;
    this.resume = resume;
    this.#cleanups = cleanups;
  }

  get stopRequested(): boolean {
    return this.#stopRequested;
  }

  /**
   * Asks the loop to stop at its next clean point, as Ctrl-C does: after the
   * current optimizer step (with accumulation, after the batches that
   * complete it), or at the end of the epoch when asked during it; `last` is
   * saved with the position, and --resume continues exactly from there.
   */
  requestStop(): void {
    this.#stopRequested = true;
  }

  /** Registers a release (free tensors, close files, remove handlers) for when the run ends, after every afterTrain. */
  onClose(fn: () => unknown): void {
    this.#cleanups.add(fn);
  }

  /** Frees the resumed checkpoint's tensors once nothing needs them. */
  releaseResume(): void {
    this.resume?.dispose();
    this.resume = undefined;
  }

  async close(): Promise<void> {
    this.releaseResume();
    await this.#cleanups.run();
  }
}
