// TensorBoard scalars: the series' per-iteration losses and LR, and per
// epoch the mean losses, LR and mAP@0.5 when evaluated (tags in ../tensorboard/tags.ts).
//
// Each step is shown once however often the run was killed and resumed:
// - the events a checkpoint counts are on disk before it is: stateDict()
//   (called as a checkpoint is saved) syncs the file;
// - a resumed writer starts with TensorBoard's purge marker at the resumed
//   iteration, so what the killed run logged after its checkpoint, trained
//   again now, is discarded by TensorBoard;
// - an epoch's scalars are written only after its checkpoint (at the next
//   epoch's start, or the run's end), so a killed run never leaves an epoch
//   the resume trains again; the one epoch that can be missing, the
//   checkpoint's own when the kill came between its save and that write,
//   is kept in the checkpoint (extra.tensorboardEpoch) and written on
//   resume, each of its tags that no earlier file holds (a kill in the
//   middle of those writes leaves some tags written, some not).
import { EventWriter, epochScalars, logEpoch, logIteration, type LossParts } from '../tensorboard/index.js';
import { eventFiles, readEvents } from '../tensorboard/read.js';
import type { TrainContext } from '../context.js';
import type { EpochEnd, StepEnd, TrainEnd, TrainHook } from './hook.js';

interface EpochScalars {
  epoch: number;
  losses: LossParts;
  lr: number;
  map50?: number;
}

/** The epoch tags the tfevents files in `dir` (other than `except`) hold at `epoch`'s step. */
function epochTagsLogged(dir: string, except: string, epoch: number): Set<string> {
  const tags = new Set<string>();
  for (const f of eventFiles(dir)) if (f !== except) for (const e of readEvents(f)) if (e.step === epoch + 1) for (const s of e.scalars) tags.add(s.tag);
  return tags;
}

export class TensorBoardHook implements TrainHook {
  readonly name = 'tensorboard';
  #writer?: EventWriter;
  /** Epoch scalars computed, waiting for the epoch's checkpoint to be saved. */
  #pending?: EpochScalars;
  /** The resumed checkpoint's epoch scalars, when it was saved at that epoch's end. */
  #resumed?: EpochScalars;

  loadStateDict(state: Readonly<Record<string, unknown>>): void {
    this.#resumed = state.tensorboardEpoch as EpochScalars | undefined;
  }

  stateDict(): Record<string, unknown> {
    this.#writer?.sync();
    return this.#pending ? { tensorboardEpoch: this.#pending } : {};
  }

  beforeTrain(ctx: TrainContext): void {
    const writer = new EventWriter(ctx.paths.dir, ctx.resume ? { purgeStep: ctx.iteration } : {});
    ctx.onClose(() => writer.close());
    this.#writer = writer;
    const r = this.#resumed;
    if (r && r.epoch === ctx.startEpoch - 1) {
      const logged = epochTagsLogged(ctx.paths.dir, writer.path, r.epoch);
      for (const { tag, value } of epochScalars(r.losses, r.lr, r.map50)) if (!logged.has(tag)) writer.addScalar(tag, value, r.epoch + 1);
      writer.flush();
    }
  }

  beforeEpoch(): void {
    this.#writePending();
  }

  afterStep(ctx: TrainContext, step: StepEnd): void {
    logIteration(this.#writer!, step.iteration, step.losses, ctx.lr);
  }

  afterEpoch(ctx: TrainContext, end: EpochEnd): void {
    this.#pending = { epoch: end.epoch, losses: end.losses, lr: ctx.lr, ...(end.eval ? { map50: end.eval.map50 } : {}) };
  }

  afterTrain(_ctx: TrainContext, end: TrainEnd): void {
    // after a failure the epoch's checkpoint may not be saved; a resume writes its scalars if it was
    if (end.kind !== 'failed') this.#writePending();
  }

  #writePending(): void {
    if (this.#pending) this.#log(this.#pending);
    this.#pending = undefined;
  }

  #log(e: EpochScalars): void {
    logEpoch(this.#writer!, e.epoch, e.losses, e.lr, e.map50);
    this.#writer!.flush();
  }
}
