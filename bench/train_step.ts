// Our side of the training-step benchmark: one step as src/train/trainer.ts
// does it (forward in training mode → yoloLoss → backward → Adam step with
// the trainer's weight-decay groups → zero-grad), timed per part. As a child
// process (`node dist/bench/train_step.js '<json>'`) it speaks the same
// stdin/stdout protocol as bench/reference/train_step.py, so the parent can
// interleave the two sides step by step and read each one's peak RSS.
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import * as torch from '../src/torch/index.js';
import { Darknet, loadWeights } from '../src/darknet/index.js';
import { BatchNorm2d } from '../src/nn/index.js';
import { yoloLoss, yoloScales, type LossOptions } from '../src/yolo/index.js';
import { makeOptimizer } from '../src/train/optimizer.js';
import { DEFAULT_TRAIN } from '../src/train/options.js';

export interface StepSetup {
  cfg: string;
  weights: string;
  /** .npy files: images [B, 3, H, W] float32, labels [N, 6] (batch_idx, x, y, w, h, cls). */
  images: string;
  labels: string;
  threads: number;
  lr: number;
  weightDecay: number;
  loss: Required<Pick<LossOptions, 'bboxLoss' | 'objTarget' | 'assign'>>;
  /** 'cpu' (default) or 'cuda:N': the model and images there, the labels on the CPU as the trainer keeps them. */
  device?: torch.Device;
}

export interface StepResult {
  seconds: number;
  /** CPU time of the whole process (all threads) during the step: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  parts: { forward: number; loss: number; backward: number; optimizer: number };
  /** null where the loss is not finite (a step diverged; JSON has no NaN) */
  loss: { box: number | null; obj: number | null; cls: number | null; total: number | null };
}

/** The trainer's BN momentum while training (trainer.ts setBnMomentum). */
const BN_MOMENTUM = DEFAULT_TRAIN.bnMomentum;

const now = () => Number(process.hrtime.bigint()) / 1e9;
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** A model, optimizer and batch ready to step; dispose() frees them all. */
export function oursTrainStep(s: StepSetup): { step(): StepResult; dispose(): void } {
  torch.setNumThreads(s.threads);
  const model = Darknet.fromFile(s.cfg);
  loadWeights(model, s.weights);
  for (const [, m] of model.namedModules()) if (m instanceof BatchNorm2d) (m as { momentum: number }).momentum = BN_MOMENTUM;
  const device = s.device ?? 'cpu';
  const gpu = device === 'cpu' ? undefined : Number(device.split(':')[1] ?? 0);
  model.to(device).train();
  const images = torch.tidy(() => torch.io.loadNpy(s.images).to(device));
  const labels = torch.io.loadNpy(s.labels);
  const scales = yoloScales(model.heads, model.strides(images.shape[3], images.shape[2]));
  const optimizer = makeOptimizer(model, { kind: 'adam', lr: s.lr, weightDecay: s.weightDecay });
  const step = (): StepResult => {
    const c0 = cpuNow();
    const t0 = now();
    let t1 = 0, t2 = 0;
    const loss = torch.tidy(() => {
      const heads = model.forwardHeads(images);
      t1 = now();
      const r = yoloLoss(heads, labels, scales, s.loss);
      const parts = { box: r.box.item(), obj: r.obj.item(), cls: r.cls.item(), total: r.total.item() };
      t2 = now();
      r.total.backward();
      return parts;
    });
    const t3 = now();
    torch.tidy(() => optimizer.step());
    optimizer.zeroGrad();
    if (gpu !== undefined) torch.cuda.synchronize(gpu); // the step's kernels done: the GPU runs them asynchronously
    const t4 = now();
    return { seconds: t4 - t0, cpuSeconds: cpuNow() - c0, parts: { forward: t1 - t0, loss: t2 - t1, backward: t3 - t2, optimizer: t4 - t3 }, loss };
  };
  return {
    step,
    dispose() {
      optimizer.disposeState();
      torch.dispose([images, labels]);
      model.dispose();
    },
  };
}

/** Child process: `step` → one StepResult line, `quit` (or end of input) → {maxRssMb}. */
async function serve(setup: StepSetup): Promise<void> {
  const trainer = oursTrainStep(setup);
  for await (const line of createInterface({ input: process.stdin })) {
    const command = line.trim();
    if (command === 'quit') break;
    if (command !== 'step') throw new Error(`unknown command '${command}'`);
    console.log(JSON.stringify(trainer.step()));
  }
  trainer.dispose();
  console.log(JSON.stringify({ maxRssMb: peakRssMb() }));
}

/**
 * This process's own peak RSS: Linux's VmHWM, which starts afresh at exec.
 * getrusage's maxRSS is carried over fork and exec, so a child of a large
 * parent (npm run bench after the detect benchmark) would report the parent's.
 */
function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch { /* not Linux */ }
  return process.resourceUsage().maxRSS / 1024;
}

if (import.meta.url === `file://${process.argv[1]}`) await serve(JSON.parse(process.argv[2]) as StepSetup);
