// Training-step benchmark: yolov3-tiny and yolov3 at 416, batch 4, one step
// = forward + loss + backward + Adam, ours (bench/train_step.ts) against the
// PyTorch reference (bench/reference/train_step.py) on the same weights,
// images and labels, with the same thread count, in the same run. Each side
// runs in its own child process (so peak RSS is per side and per model); the
// parent alternates single steps between them after one warm-up step each,
// so load from other jobs on the machine hits both sides alike, and reports
// medians. Run alone: `node dist/bench/train.js`.
// Environment: BENCH_TRAIN_MODELS (e.g. "yolov3-tiny"), BENCH_TRAIN_STEPS_TINY
// (default 5), BENCH_TRAIN_STEPS (yolov3, default 3), BENCH_TRAIN_SIZE (416),
// BENCH_TRAIN_BATCH (4).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/torch/index.js';
import { Darknet, saveWeights } from '../src/darknet/index.js';
import { DEFAULT_TRAIN } from '../src/train/options.js';
import { REPO_ROOT, PYTHON, printTable } from './timing.js';
import type { StepResult, StepSetup } from './train_step.js';

// BENCH_CFG_DIR: where yolov3(-tiny).cfg are (scripts/gpu-check.sh: the repository's cfg/, where no ../shared is)
const CFG_DIR = process.env.BENCH_CFG_DIR ?? join(REPO_ROOT, '..', 'shared', 'data', 'darknet', 'cfg');
/** BENCH_DEVICE: both sides on 'cpu' (default) or 'cuda:N'. */
const DEVICE = (process.env.BENCH_DEVICE ?? 'cpu') as torch.Device;
const BOXES_PER_IMAGE = 4;
const CLASSES = 80;
/** The trainer's defaults (src/train/options.ts) for the loss and optimizer; the rate is the one after warm-up. */
const LOSS: StepSetup['loss'] = { bboxLoss: DEFAULT_TRAIN.bboxLoss, objTarget: DEFAULT_TRAIN.objTarget, assign: DEFAULT_TRAIN.assign };
const LR = DEFAULT_TRAIN.peakLr;
const WEIGHT_DECAY = DEFAULT_TRAIN.weightDecay;

const envInt = (name: string, fallback: number) => (process.env[name] ? Number.parseInt(process.env[name]!, 10) : fallback);

interface ModelCase { model: string; steps: number }

function cases(): ModelCase[] {
  const all = [{ model: 'yolov3-tiny', steps: envInt('BENCH_TRAIN_STEPS_TINY', 5) }, { model: 'yolov3', steps: envInt('BENCH_TRAIN_STEPS', 3) }];
  const only = process.env.BENCH_TRAIN_MODELS?.split(',');
  return only ? all.filter((c) => only.includes(c.model)) : all;
}

/**
 * Writes what both sides load: random darknet weights (seeded), images in
 * 0..1 and BOXES_PER_IMAGE labels per image, as .weights and .npy files.
 */
export function writeStepInputs(dir: string, cfg: string, batch: number, size: number): Omit<StepSetup, 'threads'> {
  const files = { cfg, weights: join(dir, 'random.weights'), images: join(dir, 'images.npy'), labels: join(dir, 'labels.npy') };
  torch.manualSeed(0);
  const model = Darknet.fromFile(cfg);
  saveWeights(model, files.weights);
  model.dispose();
  torch.tidy(() => {
    torch.io.saveNpy(files.images, torch.rand([batch, 3, size, size]));
    const r = torch.rand([batch * BOXES_PER_IMAGE, 5]).toArray();
    const rows = new Float32Array(batch * BOXES_PER_IMAGE * 6);
    for (let n = 0; n < batch * BOXES_PER_IMAGE; n++) {
      const [x, y, w, h, c] = r.slice(n * 5, n * 5 + 5);
      rows.set([Math.floor(n / BOXES_PER_IMAGE), 0.1 + 0.8 * x, 0.1 + 0.8 * y, 0.03 + 0.4 * w, 0.03 + 0.4 * h, Math.floor(c * CLASSES)], n * 6);
    }
    torch.io.saveNpy(files.labels, torch.tensor(rows, { shape: [batch * BOXES_PER_IMAGE, 6] }));
  });
  return { ...files, lr: LR, weightDecay: WEIGHT_DECAY, loss: LOSS };
}

/** A child process answering one JSON line per command line (the train_step protocol). */
class StepProcess {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;
  #stderr = '';

  constructor(readonly side: string, command: string, args: string[]) {
    this.#child = spawn(command, args, { stdio: 'pipe' });
    this.#child.stderr.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString()).slice(-4000)));
    this.#lines = createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
  }

  async request<T>(command: 'step' | 'quit'): Promise<T> {
    this.#child.stdin.write(`${command}\n`);
    const { value, done } = await this.#lines.next();
    if (done) throw new Error(`${this.side} step process ended: ${this.#stderr}`);
    return JSON.parse(value) as T;
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function medianParts(results: StepResult[]): StepResult['parts'] {
  const keys = ['forward', 'loss', 'backward', 'optimizer'] as const;
  return Object.fromEntries(keys.map((k) => [k, median(results.map((r) => r.parts[k]))])) as StepResult['parts'];
}

export interface TrainRow {
  model: string;
  oursImagesPerSecond: number;
  pytorchImagesPerSecond: number;
  ratio: number;
  /** Median over i of PyTorch step i / our step i (adjacent in time, so under the same load from other jobs). */
  pairedRatio: number;
  oursPeakRssMb: number;
  pytorchPeakRssMb: number;
  /** Median seconds per part of the step, for finding where time goes. */
  oursParts: StepResult['parts'];
  pytorchParts: StepResult['parts'];
  /** Median process CPU seconds (all threads) per step: less disturbed by other jobs than wall time. */
  cpuSecondsPerStep: { ours: number; pytorch: number };
  /** Total loss of the warm-up step on each side: equal when both compute the same thing. */
  firstLoss: { ours: number; pytorch: number };
  steps: number;
}

async function benchModel(c: ModelCase, batch: number, size: number, dir: string): Promise<TrainRow> {
  const setup: StepSetup = { ...writeStepInputs(dir, join(CFG_DIR, `${c.model}.cfg`), batch, size), threads: torch.getNumThreads(), device: DEVICE };
  const ours = new StepProcess('ours', process.execPath, [join(REPO_ROOT, 'dist', 'bench', 'train_step.js'), JSON.stringify(setup)]);
  const pytorch = new StepProcess('PyTorch', PYTHON, [join(REPO_ROOT, 'bench', 'reference', 'train_step.py'), JSON.stringify(setup)]);
  try {
    const warmOurs = await ours.request<StepResult>('step');
    const warmPytorch = await pytorch.request<StepResult>('step');
    const o: StepResult[] = [];
    const p: StepResult[] = [];
    for (let i = 0; i < c.steps; i++) {
      // who goes first alternates, so neither side always follows the other's step
      if (i % 2 === 1) p.push(await pytorch.request<StepResult>('step'));
      o.push(await ours.request<StepResult>('step'));
      if (i % 2 === 0) p.push(await pytorch.request<StepResult>('step'));
    }
    const oursRss = (await ours.request<{ maxRssMb: number }>('quit')).maxRssMb;
    const pytorchRss = (await pytorch.request<{ maxRssMb: number }>('quit')).maxRssMb;
    const oursRate = batch / median(o.map((r) => r.seconds));
    const pytorchRate = batch / median(p.map((r) => r.seconds));
    return {
      model: c.model, oursImagesPerSecond: oursRate, pytorchImagesPerSecond: pytorchRate, ratio: oursRate / pytorchRate,
      pairedRatio: median(o.map((r, i) => p[i].seconds / r.seconds)),
      oursPeakRssMb: oursRss, pytorchPeakRssMb: pytorchRss, oursParts: medianParts(o), pytorchParts: medianParts(p),
      cpuSecondsPerStep: { ours: median(o.map((r) => r.cpuSeconds)), pytorch: median(p.map((r) => r.cpuSeconds)) },
      firstLoss: { ours: warmOurs.loss.total, pytorch: warmPytorch.loss.total }, steps: c.steps,
    };
  } finally {
    ours.kill();
    pytorch.kill();
  }
}

export async function benchTrain(): Promise<object> {
  const batch = envInt('BENCH_TRAIN_BATCH', 4);
  const size = envInt('BENCH_TRAIN_SIZE', 416);
  const missing = cases().map((c) => join(CFG_DIR, `${c.model}.cfg`)).filter((f) => !existsSync(f));
  if (missing.length) return { skipped: `needs ${missing.join(', ')}` };
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-bench-train-'));
  try {
    const rows: TrainRow[] = [];
    for (const c of cases()) rows.push(await benchModel(c, batch, size, dir));
    printTable(`training step at ${size}, batch ${batch}, ${DEVICE === 'cpu' ? `${torch.getNumThreads()} threads` : DEVICE}: ours vs PyTorch (forward + loss + backward + Adam)`,
      ['model', 'ours img/s', 'PyTorch img/s', 'ours/PyTorch', 'ours peak RSS MB', 'PyTorch peak RSS MB'],
      rows.map((r) => [r.model, r.oursImagesPerSecond, r.pytorchImagesPerSecond, r.ratio, r.oursPeakRssMb, r.pytorchPeakRssMb]));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await benchTrain(), null, 2));
