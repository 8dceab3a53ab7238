// One rank of our side of test/train/ddp/parity.test.ts: the training step
// of bench/train_step.ts (forward in training mode → yoloLoss → backward →
// Adam with the trainer's decay groups) with the DistributedHook's calls
// where the trainer's loop makes them, on this rank's own batch. Writes
// out/<tag>_rank<r>.npy: [steps, P] in the run's dtype (float32, or float64
// with the model cast), every parameter after each step,
// out/<tag>_grads<r>.npy: the averaged gradients of each step,
// out/<tag>_buffers<r>.npy: every BatchNorm running_mean and running_var after
// each step, and prints {stepSeconds, reduceSeconds, bytes} per step. With
// syncBn, the hook synchronizes BatchNorm (the trainer's --sync-bn).
// `overlap`: the hook's reducer (allreduce during backward, or after it).
import { join } from 'node:path';
import * as torch from '../../../src/torch/index.js';
import { Darknet, loadWeights } from '../../../src/darknet/index.js';
import { BatchNorm2d } from '../../../src/nn/index.js';
import { yoloLoss, yoloScales, type LossOptions } from '../../../src/yolo/index.js';
import { makeOptimizer } from '../../../src/train/optimizer.js';
import { DEFAULT_TRAIN } from '../../../src/train/options.js';
import { DistributedHook } from '../../../src/train/ddp/hook.js';
import type { TrainContext } from '../../../src/train/context.js';
import type { StepEnd } from '../../../src/train/hooks/hook.js';

interface Setup {
  cfg: string;
  weights: string;
  ranks: { images: string; labels: string }[];
  steps: number;
  lr: number;
  weightDecay: number;
  threads: number;
  syncBn: boolean;
  /** 'float64': model, images and labels cast after loading (the float32 weights and inputs, exactly). */
  dtype: 'float32' | 'float64';
  loss: Required<Pick<LossOptions, 'bboxLoss' | 'objTarget' | 'assign'>>;
  out: string;
  overlap: boolean;
  tag: string;
}

const s = JSON.parse(process.argv[2]) as Setup;
torch.setNumThreads(s.threads);
const env = torch.distributed.torchrunEnv()!;
const group = torch.distributed.ProcessGroup.init({ ...env, timeoutMs: 60_000 });
const model = Darknet.fromFile(s.cfg);
loadWeights(model, s.weights);
model.to(s.dtype);
for (const [, m] of model.namedModules()) if (m instanceof BatchNorm2d) (m as { momentum: number }).momentum = DEFAULT_TRAIN.bnMomentum;
model.train();
const load = (path: string) => torch.tidy(() => torch.io.loadNpy(path).to(s.dtype));
const images = load(s.ranks[group.rank].images);
const labels = load(s.ranks[group.rank].labels);
const scales = yoloScales(model.heads, model.strides(images.shape[3], images.shape[2]));
const optimizer = makeOptimizer(model, { kind: 'adam', lr: s.lr, weightDecay: s.weightDecay });
// the loop's view of the run, as much of it as the hook reads
const closers: (() => unknown)[] = [];
const ctx = { model, pending: 0, accumulate: 1, batch: 0, itersPerEpoch: Infinity, stopRequested: false, log: () => {}, onClose: (f: () => unknown) => closers.push(f) } as unknown as TrainContext;
const hook = new DistributedHook(group, { syncBatchNorm: s.syncBn, overlap: s.overlap });
hook.beforeTrain(ctx);
type Row = Float32Array | Float64Array;
const rows: Row[] = [];
const grads: Row[] = [];
const buffers: Row[] = [];
const runningStats = model.namedBuffers().filter(([n]) => /\.running_(mean|var)$/.test(n));
const flatOf = (ts: torch.Tensor[]) => torch.tidy(() => torch.cat(ts.map((t) => t.detach().reshape([-1]))).dataSync() as Row);
const times: { stepSeconds: number; reduceSeconds: number; bytes: number }[] = [];
for (let step = 0; step < s.steps; step++) {
  const t0 = performance.now();
  hook.beforeStep(ctx);
  torch.tidy(() => yoloLoss(model.forwardHeads(images), labels, scales, s.loss).total.backward());
  hook.beforeOptimizerStep();
  grads.push(torch.tidy(() => flatOf(model.parameters().map((p) => p.grad!))));
  torch.tidy(() => optimizer.step());
  optimizer.zeroGrad();
  hook.afterStep(ctx, { optimizerStep: true } as StepEnd);
  const reduce = hook.times.reduces.at(-1)!;
  times.push({ stepSeconds: (performance.now() - t0) / 1000, reduceSeconds: reduce.seconds, bytes: reduce.bytes });
  rows.push(flatOf(model.parameters()));
  buffers.push(flatOf(runningStats.map(([, t]) => t)));
}
const save = (name: string, list: Row[]) => {
  const flat = s.dtype === 'float64' ? new Float64Array(list.length * list[0].length) : new Float32Array(list.length * list[0].length);
  list.forEach((r, i) => flat.set(r, i * r.length));
  torch.tidy(() => torch.io.saveNpy(join(s.out, name), torch.tensor(flat, { shape: [list.length, list[0].length] })));
};
save(`${s.tag}_rank${group.rank}.npy`, rows);
save(`${s.tag}_grads${group.rank}.npy`, grads);
save(`${s.tag}_buffers${group.rank}.npy`, buffers);
for (const close of closers) close();
group.destroy();
console.log(JSON.stringify({ rank: group.rank, names: model.namedParameters().map(([n]) => n), buffers: runningStats.map(([n]) => n), times, buckets: hook.times.reduces[0].buckets }));
