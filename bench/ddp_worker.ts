// One worker of the data-parallel benchmark (bench/ddp.ts): the training
// step of bench/train_step.ts (forward in training mode → yoloLoss →
// backward → Adam) with the DistributedHook's calls where the trainer's loop
// makes them, as test/train/ddp/parity_worker.ts runs it. Under the torchrun
// environment (launchWorkers) it is one rank and trains its slice of the
// batch; without it, one process on the whole batch and no collectives.
// A barrier after backward (not in the trainer) takes up the ranks' skew,
// so an allreduce after backward (overlap false) times the transfer alone
// and the wait is reported apart; overlapped, the allreduce runs inside
// backward (its span and the part backward waited for come from libtorch's
// reducer).
// Writes out/rank<r>.json: {rank, worldSize, steps: StepTimes[]} for the measured steps.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../src/torch/index.js';
import { Darknet, loadWeights } from '../src/darknet/index.js';
import { BatchNorm2d } from '../src/nn/index.js';
import { yoloLoss, yoloScales } from '../src/yolo/index.js';
import { makeOptimizer } from '../src/train/optimizer.js';
import { DEFAULT_TRAIN } from '../src/train/options.js';
import { DistributedHook } from '../src/train/ddp/hook.js';
import type { TrainContext } from '../src/train/context.js';
import type { StepEnd } from '../src/train/hooks/hook.js';
import type { StepSetup } from './train_step.js';

export interface DdpWorkerSetup extends StepSetup {
  /** Images per rank: rank r trains images [r·perRank, (r+1)·perRank) of the batch file. */
  perRank: number;
  warmup: number;
  steps: number;
  out: string;
  /** The DistributedHook's reducer: during backward (true) or after it. */
  overlap?: boolean;
}

/** Seconds of one optimizer step and its parts on this rank. */
export interface StepTimes {
  step: number;
  /** BatchNorm buffers broadcast from rank 0 (DDP's broadcast_buffers). */
  buffers: number;
  /** Forward, loss and backward. */
  compute: number;
  /** At the barrier: waiting for the slower rank. */
  wait: number;
  /** The gradient allreduce, first bucket's start to last bucket's end (the reducer's own timing). */
  allreduce: number;
  /** The part of it that backward did not hide (all of it after backward). */
  exposed: number;
  bytes: number;
  buckets: number;
  /** Adam, zero-grad and the ranks' stop agreement. */
  optimizer: number;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

/** This rank's images and labels (batch indices renumbered from 0). */
function rankBatch(s: DdpWorkerSetup, rank: number): { images: torch.Tensor; labels: torch.Tensor } {
  return torch.tidy(() => {
    const all = torch.io.loadNpy(s.images);
    const images = all.narrow(0, rank * s.perRank, s.perRank).contiguous();
    const rows = torch.io.loadNpy(s.labels).toArray();
    const mine: number[] = [];
    for (let i = 0; i < rows.length; i += 6) {
      const b = rows[i] - rank * s.perRank;
      if (b >= 0 && b < s.perRank) mine.push(b, ...rows.slice(i + 1, i + 6));
    }
    return { images, labels: torch.tensor(new Float32Array(mine), { shape: [mine.length / 6, 6] }) };
  });
}

function main(s: DdpWorkerSetup): void {
  torch.setNumThreads(s.threads);
  const env = torch.distributed.torchrunEnv();
  const group = env && torch.distributed.ProcessGroup.init({ ...env, timeoutMs: 60_000 });
  const rank = group ? group.rank : 0;
  const model = Darknet.fromFile(s.cfg);
  loadWeights(model, s.weights);
  for (const [, m] of model.namedModules()) if (m instanceof BatchNorm2d) (m as { momentum: number }).momentum = DEFAULT_TRAIN.bnMomentum;
  model.train();
  const { images, labels } = rankBatch(s, rank);
  const scales = yoloScales(model.heads, model.strides(images.shape[3], images.shape[2]));
  const optimizer = makeOptimizer(model, { kind: 'adam', lr: s.lr, weightDecay: s.weightDecay });
  // the loop's view of the run, as much of it as the hook reads
  const closers: (() => unknown)[] = [];
  const ctx = { model, pending: 0, accumulate: 1, batch: 0, itersPerEpoch: Infinity, stopRequested: false, onClose: (f: () => unknown) => closers.push(f) } as unknown as TrainContext;
  const hook = group && new DistributedHook(group, { overlap: s.overlap });
  hook?.beforeTrain(ctx);
  const step = (): StepTimes => {
    const t0 = now();
    hook?.beforeStep(ctx);
    const t1 = now();
    torch.tidy(() => yoloLoss(model.forwardHeads(images), labels, scales, s.loss).total.backward());
    const t2 = now();
    group?.barrier();
    const t3 = now();
    hook?.beforeOptimizerStep();
    const reduce = hook?.times.reduces.at(-1) ?? { seconds: 0, exposedSeconds: 0, bytes: 0, buckets: 0 };
    const t4 = now();
    torch.tidy(() => optimizer.step());
    optimizer.zeroGrad();
    hook?.afterStep(ctx, { optimizerStep: true } as StepEnd);
    const t5 = now();
    return { step: t5 - t0, buffers: t1 - t0, compute: t2 - t1, wait: t3 - t2, allreduce: reduce.seconds, exposed: reduce.exposedSeconds, bytes: reduce.bytes, buckets: reduce.buckets, optimizer: t5 - t4 };
  };
  for (let i = 0; i < s.warmup; i++) step();
  const steps = Array.from({ length: s.steps }, step);
  for (const close of closers) close();
  optimizer.disposeState();
  torch.dispose([images, labels]);
  model.dispose();
  group?.destroy();
  writeFileSync(join(s.out, `rank${rank}.json`), JSON.stringify({ rank, worldSize: group?.worldSize ?? 1, steps }));
}

main(JSON.parse(process.argv[2]) as DdpWorkerSetup);
