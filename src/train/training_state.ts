// Training checkpoints (`last`, `best`): the training state, everything a
// resumed run needs to continue exactly, in one tensor file (safetensors
// layout) written atomically, so a crash or SIGKILL mid-write keeps the
// previous file. (Model files, read by detect and val: src/darknet/checkpoint.ts.)
//
// Tensors: the model's state dict under its own names (so the file also
// serves as plain model weights), and under '@'-prefixed names, which no
// module produces: '@ema.<key>', '@optimizer.state.<i>.<key>', '@rng.global',
// '@rng.gen.<name>'. Metadata: `format`, and `train`, a JSON object with
// epoch, iteration (the caller's counter: the trainer's counts batches
// trained, and keeps its optimizer steps, the LR schedule's position, in
// extra.steps), the schedule spec, the options used, class names, EMA and
// optimizer settings; callers may add their own string metadata.
import { join } from 'node:path';
import * as torch from '../torch/index.js';
import type { Module, StateDict } from '../nn/module.js';
import type { ModelEMA } from './ema.js';
import type { LrScheduleSpec } from './lr_schedule.js';

export const CHECKPOINT_FORMAT = 'yolov3-ts-train-checkpoint';
const VERSION = 1;
const EMA = '@ema.';
const OPT = '@optimizer';
const RNG = '@rng.global';
const GEN = '@rng.gen.';

type AnyOptimizer = torch.optim.Optimizer<{ lr: number }>;

export interface TrainingState {
  model: Module;
  optimizer?: AnyOptimizer;
  ema?: ModelEMA;
  /** The last completed epoch (a resume starts at epoch + 1). */
  epoch: number;
  /** The caller's iteration counter (the trainer: batches trained so far). */
  iteration: number;
  schedule?: LrScheduleSpec;
  /** The options the run used (any JSON value). */
  options?: unknown;
  classNames?: string[];
  /** Independent generators (e.g. the data loader's), saved by name. */
  generators?: Record<string, torch.Generator>;
  /** Saves the global RNG state too (default true). */
  saveRng?: boolean;
  /** Anything else JSON, e.g. best mAP so far. */
  extra?: Record<string, unknown>;
  /** Extra string metadata stored beside `format` and `train` (e.g. a darknet header). */
  metadata?: Record<string, string>;
}

/** What the `train` metadata entry holds. */
export interface TrainingStateInfo {
  version: number;
  epoch: number;
  iteration: number;
  schedule?: LrScheduleSpec;
  options?: unknown;
  classNames: string[];
  extra: Record<string, unknown>;
  optimizer?: string;
  ema?: { updates: number; decay: number; tau: number };
  generators: string[];
  savedAt: string;
}

export interface LoadedTrainingState {
  path: string;
  info: TrainingStateInfo;
  metadata: Record<string, string>;
  /** Every tensor in the file; owned by this object until dispose(). */
  tensors: Map<string, torch.Tensor>;
  /** The model's state dict (the entries without an '@' prefix). */
  modelState(): StateDict;
  /** The EMA's state dict, when one was saved. */
  emaState(): StateDict | undefined;
  dispose(): void;
}

/** Saves atomically (src/util/atomic_write.ts: temporary file, fsync, rename, fsync of the folder). */
export function saveTrainingState(path: string, state: TrainingState): void {
  const tensors = new Map<string, torch.Tensor>();
  const owned: torch.Tensor[] = []; // RNG states are new tensors; the rest are live references
  try {
    for (const [k, t] of state.model.stateDict()) {
      if (k.startsWith('@')) throw new Error(`saveTrainingState: model state name '${k}' starts with '@', which checkpoints reserve`);
      tensors.set(k, t);
    }
    if (state.ema) for (const [k, t] of state.ema.stateDict()) tensors.set(EMA + k, t);
    let optimizerJson: string | undefined;
    if (state.optimizer) {
      const o = torch.optim.optimizerStateToTensors(state.optimizer.stateDict(), OPT);
      for (const [k, t] of o.tensors) tensors.set(k, t);
      optimizerJson = o.json;
    }
    if (state.saveRng ?? true) {
      const t = torch.getRngState();
      owned.push(t);
      tensors.set(RNG, t);
    }
    for (const [name, g] of Object.entries(state.generators ?? {})) {
      const t = g.getState();
      owned.push(t);
      tensors.set(GEN + name, t);
    }
    const info: TrainingStateInfo = {
      version: VERSION,
      epoch: state.epoch,
      iteration: state.iteration,
      ...(state.schedule ? { schedule: state.schedule } : {}),
      ...(state.options !== undefined ? { options: state.options } : {}),
      classNames: state.classNames ?? [],
      extra: state.extra ?? {},
      ...(optimizerJson ? { optimizer: optimizerJson } : {}),
      ...(state.ema ? { ema: { updates: state.ema.updates, decay: state.ema.decay, tau: state.ema.tau } } : {}),
      generators: Object.keys(state.generators ?? {}),
      savedAt: new Date().toISOString(),
    };
    torch.io.saveTensorFile(path, tensors, { ...state.metadata, format: CHECKPOINT_FORMAT, train: JSON.stringify(info) });
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** Reads and checks a checkpoint; errors name the file. Call dispose() on the result. */
export function readTrainingState(path: string): LoadedTrainingState {
  const file = torch.io.loadTensorFile(path); // truncated or foreign bytes: an error naming `path`
  try {
    if (file.metadata.format !== CHECKPOINT_FORMAT) {
      throw new Error(`${path}: not a yolov3-ts training checkpoint (format ${JSON.stringify(file.metadata.format ?? null)}, expected "${CHECKPOINT_FORMAT}")`);
    }
    let info: TrainingStateInfo;
    try {
      info = JSON.parse(file.metadata.train ?? '');
    } catch {
      throw new Error(`${path}: training checkpoint metadata 'train' is not valid JSON`);
    }
    if (typeof info !== 'object' || info === null || !Number.isInteger(info.epoch) || !Number.isInteger(info.iteration)) {
      throw new Error(`${path}: training checkpoint metadata lacks an integer epoch and iteration`);
    }
    if (info.version > VERSION) throw new Error(`${path}: checkpoint version ${info.version} is newer than this program reads (${VERSION})`);
    const tensors = file.tensors;
    return {
      path,
      info,
      metadata: file.metadata,
      tensors,
      modelState: () => new Map([...tensors].filter(([k]) => !k.startsWith('@'))),
      emaState: () => (info.ema ? new Map([...tensors].filter(([k]) => k.startsWith(EMA)).map(([k, t]) => [k.slice(EMA.length), t])) : undefined),
      dispose: () => torch.dispose(tensors),
    };
  } catch (e) {
    torch.dispose(file.tensors);
    throw e;
  }
}

export interface RestoreTargets {
  model?: Module;
  optimizer?: AnyOptimizer;
  ema?: ModelEMA;
  generators?: Record<string, torch.Generator>;
  /** Restores the global RNG state (default true). */
  rng?: boolean;
}

/** Copies a read checkpoint into live objects; a part asked for but not saved is an error. */
export function restoreTrainingState(ck: LoadedTrainingState, targets: RestoreTargets): void {
  const fail = (what: string): never => {
    throw new Error(`${ck.path}: checkpoint has no ${what}`);
  };
  const wrap = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      throw new Error(`${ck.path}: restoring the ${what}: ${(e as Error).message}`);
    }
  };
  if (targets.model) wrap('model', () => targets.model!.loadStateDict(ck.modelState()));
  if (targets.optimizer) {
    const opt = targets.optimizer;
    const json = ck.info.optimizer ?? fail('optimizer state');
    wrap('optimizer', () =>
      torch.tidy(() => {
        // state goes to each parameter's device (the file's tensors are on the CPU)
        const params = opt.paramGroups.flatMap((g) => g.params);
        const moved = new Map<string, torch.Tensor>();
        const head = `${OPT}.state.`;
        for (const [k, t] of ck.tensors) {
          if (!k.startsWith(head)) continue;
          const p = params[Number(k.slice(head.length).split('.')[0])];
          moved.set(k, p && p.device !== t.device ? t.to(p.device as torch.Device) : t);
        }
        opt.loadStateDict(torch.optim.optimizerStateFromTensors(moved, json, OPT));
      }),
    );
  }
  if (targets.ema) {
    const ema = targets.ema;
    const state = ck.emaState() ?? fail('EMA');
    wrap('EMA', () => ema.loadStateDict(state, ck.info.ema!.updates));
  }
  if (targets.rng ?? true) torch.setRngState(ck.tensors.get(RNG) ?? fail('RNG state'));
  for (const [name, g] of Object.entries(targets.generators ?? {})) g.setState(ck.tensors.get(GEN + name) ?? fail(`state for generator '${name}'`));
}

/** Reads, restores and frees in one call; returns the checkpoint's info. */
export function loadTrainingState(path: string, targets: RestoreTargets): TrainingStateInfo {
  const ck = readTrainingState(path);
  try {
    restoreTrainingState(ck, targets);
    return ck.info;
  } finally {
    ck.dispose();
  }
}

/** `last` or `best` in a run's weights folder. */
export function checkpointPath(weightsDir: string, which: 'last' | 'best'): string {
  return join(weightsDir, `${which}.safetensors`);
}
