// Data-parallel training as PyTorch's DistributedDataParallel, as a trainer
// hook: rank 0's parameters and buffers copied to every rank before the
// first step; BatchNorm buffers (running statistics) broadcast from rank 0
// before the forward of each optimizer step's first batch (DDP's
// broadcast_buffers=True: DDP syncs them before a forward that follows a
// syncing backward, so with accumulation only the first micro-batch's);
// with syncBatchNorm, BatchNorm's statistics taken over all ranks' samples
// (torch.nn.SyncBatchNorm.convert_sync_batchnorm; the buffers are then
// equal on every rank, and still broadcast, as PyTorch's DDP does); the
// gradients averaged over the ranks after the backward of the micro-batch
// whose optimizer step follows, just before that step (reducer.ts, the
// default), or during it (overlap.ts, libtorch's reducer, overlap: true),
// so the micro-batches of accumulation that do not step reduce nothing
// (DDP's no_sync); a stop request on any rank (Ctrl-C) agreed by all after
// each step, so every rank stops at the same batch; and at an epoch's end
// the other ranks wait for rank 0's evaluation and checkpoints in the store,
// not in a collective, so an evaluation may take longer than --dist-timeout.
import * as torch from '../../torch/index.js';
import { convertSyncBatchNorm } from '../../nn/index.js';
import type { ProcessGroup } from '../../torch/distributed.js';
import type { TrainContext } from '../context.js';
import type { EpochEnd, StepEnd, TrainHook } from '../hooks/hook.js';
import { broadcastCoalesced } from './module_sync.js';
import { OverlappedReducer } from './overlap.js';
import { GradientReducer, type ReduceStats } from './reducer.js';

/**
 * Whether the gradient allreduce overlaps backward unless told: not, as it
 * was slower on the 2-core machine measured (Gloo's thread takes CPU from
 * backward; docs/distributed.md has the figures).
 */
export const DEFAULT_DDP_OVERLAP = false;

/** Whether the step that this batch (about to be trained) belongs to ends with it: step.ts's rule, read before the batch. */
const stepsAfterThisBatch = (ctx: TrainContext) => ctx.pending + 1 === ctx.accumulate || ctx.batch + 1 === ctx.itersPerEpoch;

/** How long the other ranks wait for rank 0's epoch end (evaluation, checkpoints) by default. */
export const EPOCH_END_TIMEOUT_MS = 3 * 3600_000;

export interface DistributedTimes {
  /** Allreduce time and bytes of each optimizer step so far. */
  reduces: ReduceStats[];
  bufferBroadcastSeconds: number;
}

/** A checkpoint's `extra` (its hooks' state) resumed by `worldSize` ranks: the same number as trained it, or an error. */
export function checkResumedWorldSize(extra: Readonly<Record<string, unknown>>, worldSize: number): void {
  const saved = Number(extra.worldSize ?? 1);
  if (saved !== worldSize) throw new Error(`this checkpoint was trained by ${saved} rank${saved === 1 ? '' : 's'}; resume it with --nproc ${saved} (not ${worldSize})`);
}

export class DistributedHook implements TrainHook {
  readonly name = 'distributed';
  #reducer?: GradientReducer | OverlappedReducer;
  #buffers: torch.Tensor[] = [];
  readonly times: DistributedTimes = { reduces: [], bufferBroadcastSeconds: 0 };

  constructor(readonly group: ProcessGroup, readonly options: { broadcastBuffers?: boolean; epochEndTimeoutMs?: number; syncBatchNorm?: boolean; overlap?: boolean } = {}) {}

  /** A checkpoint records its world size: a mid-epoch position and the data each rank read are per rank. */
  stateDict(): Record<string, unknown> {
    return { worldSize: this.group.worldSize };
  }

  loadStateDict(state: Readonly<Record<string, unknown>>): void {
    checkResumedWorldSize(state, this.group.worldSize);
  }

  beforeTrain(ctx: TrainContext): void {
    const model = ctx.model;
    this.#buffers = model.namedBuffers().map(([, t]) => t);
    broadcastCoalesced(this.group, [...model.parameters(), ...this.#buffers], 0);
    const overlapped = this.options.overlap ?? DEFAULT_DDP_OVERLAP;
    const reducer = (this.#reducer = overlapped ? new OverlappedReducer(this.group, model.parameters()) : new GradientReducer(this.group, model.parameters()));
    if (reducer instanceof OverlappedReducer) ctx.onClose(() => reducer.destroy());
    if (this.options.syncBatchNorm) {
      const layers = convertSyncBatchNorm(model, this.group).length;
      if (this.group.rank === 0) ctx.log(this.group.worldSize > 1 ? `sync-bn: ${layers} BatchNorm layers take their statistics over all ${this.group.worldSize} ranks` : 'sync-bn: a world of one rank: plain BatchNorm');
    }
  }

  /** The model no longer needs the group (destroyed after the run): its BatchNorm computes alone again. */
  afterTrain(ctx: TrainContext): void {
    if (this.options.syncBatchNorm) convertSyncBatchNorm(ctx.model, null);
  }

  beforeStep(ctx: TrainContext): void {
    if (this.#reducer instanceof OverlappedReducer && stepsAfterThisBatch(ctx)) this.#reducer.arm();
    if (this.options.broadcastBuffers === false || ctx.pending !== 0 || !this.#buffers.length) return;
    const t0 = performance.now();
    broadcastCoalesced(this.group, this.#buffers, 0);
    this.times.bufferBroadcastSeconds += (performance.now() - t0) / 1000;
  }

  beforeOptimizerStep(): void {
    const r = this.#reducer!;
    this.times.reduces.push(r instanceof OverlappedReducer ? r.stats() : r.averageGradients());
  }

  /** Runs after every other hook's afterEpoch (this hook is the last): rank 0 has evaluated and saved. */
  afterEpoch(_ctx: TrainContext, end: EpochEnd): void {
    const key = `epoch-end-${end.epoch}`;
    if (this.group.rank === 0) this.group.setKey(key, '1');
    else this.group.waitKey(key, this.options.epochEndTimeoutMs ?? EPOCH_END_TIMEOUT_MS);
  }

  /** A stop requested on one rank (Ctrl-C reaches each worker; a hook's requestStop may not) is taken by all. */
  afterStep(ctx: TrainContext, step: StepEnd): void {
    if (!step.optimizerStep) return; // the loop stops only after a step: agreeing then is enough
    const flag = torch.tensor([ctx.stopRequested ? 1 : 0]);
    try {
      this.group.allreduceSum([flag]);
      if (flag.item() > 0 && !ctx.stopRequested) ctx.requestStop();
    } finally {
      flag.dispose();
    }
  }
}
