// Training-step benchmark: yolov3-tiny and yolov3 at 416, batch 4, one step
// = forward + loss + backward + Adam, ours (bench/train_step.ts) against the
// PyTorch reference (bench/reference/train_step.py) on the same weights,
// images and labels, with the same thread count, in the same run. Each side
// runs in its own child process (so peak RSS is per side and per model); our
// side runs twice, with the CPU block cache (the default) and without it
// (YOLO_CPU_CACHE_MB=0), PyTorch with its default allocator, and PyTorch
// again with GOMP_SPINCOUNT=OPENMP_SPIN_COUNT (the wait policy our side loads with).
// The parent alternates single steps between the four after one warm-up step each,
// so load from other jobs on the machine hits all sides alike, and reports
// the fastest and the median step of each. Run alone: `node dist/bench/train.js`.
// Environment: BENCH_TRAIN_MODELS (e.g. "yolov3-tiny"), BENCH_TRAIN_STEPS_TINY
// (default 5), BENCH_TRAIN_STEPS (yolov3, default 5), BENCH_TRAIN_SIZE (416),
// BENCH_TRAIN_BATCH (4).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/torch/index.js';
import { OPENMP_SPIN_COUNT } from '../src/torch/native.js';
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
  const all = [{ model: 'yolov3-tiny', steps: envInt('BENCH_TRAIN_STEPS_TINY', 5) }, { model: 'yolov3', steps: envInt('BENCH_TRAIN_STEPS', 5) }];
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

  constructor(readonly side: string, command: string, args: string[], env: Record<string, string> = {}) {
    this.#child = spawn(command, args, { stdio: 'pipe', env: { ...process.env, ...env } });
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
const minOf = (xs: number[]) => Math.min(...xs);
const diverged = (xs: StepResult[]): number | null => {
  const i = xs.findIndex((r) => r.loss.total === null || !Number.isFinite(r.loss.total));
  return i < 0 ? null : i;
};

function medianParts(results: StepResult[]): StepResult['parts'] {
  const keys = ['forward', 'loss', 'backward', 'optimizer'] as const;
  return Object.fromEntries(keys.map((k) => [k, median(results.map((r) => r.parts[k]))])) as StepResult['parts'];
}

/** Seconds per step, the fastest and the median of the measured steps. */
export interface StepSeconds { min: number; median: number }

export interface TrainRow {
  model: string;
  oursImagesPerSecond: number;
  pytorchImagesPerSecond: number;
  /** PyTorch's median step / ours: > 1 when ours is faster. */
  ratio: number;
  /** PyTorch's fastest step / our fastest: the least disturbed by other jobs. */
  minRatio: number;
  /** Median over i of PyTorch step i / our step i (adjacent in time, so under the same load from other jobs). */
  pairedRatio: number;
  oursPeakRssMb: number;
  pytorchPeakRssMb: number;
  oursSeconds: StepSeconds;
  pytorchSeconds: StepSeconds;
  /** Our side again with the CPU block cache off (YOLO_CPU_CACHE_MB=0), in the same alternation. */
  noCache: { seconds: StepSeconds; imagesPerSecond: number; ratio: number; minRatio: number; pairedRatio: number; peakRssMb: number };
  /**
   * PyTorch again with GOMP_SPINCOUNT=OPENMP_SPIN_COUNT, the wait policy
   * our side loads with (src/torch/native.ts): the comparison of the code
   * alone, without libgomp's long spinning waits, which cost most on a
   * loaded machine.
   */
  pytorchOurWaits: { seconds: StepSeconds; ratio: number; minRatio: number; peakRssMb: number };
  /** Median seconds per part of the step, for finding where time goes. */
  oursParts: StepResult['parts'];
  pytorchParts: StepResult['parts'];
  /** Median process CPU seconds (all threads) per step: less disturbed by other jobs than wall time. */
  cpuSecondsPerStep: { ours: number; pytorch: number };
  /** Total loss of the warm-up step on each side: equal when both compute the same thing. */
  firstLoss: { ours: number | null; pytorch: number | null };
  /**
   * The first measured step (0-based) whose loss was not finite, per side, or
   * null: random weights and the trainer's rate on one fixed batch can
   * diverge in a few steps on one machine's rounding and not another's; the
   * steps still time the same operations (no control flow reads the loss).
   */
  divergedAtStep: { ours: number | null; pytorch: number | null };
  steps: number;
  /** /proc/loadavg's 1-minute load at the start and end of this model's steps (a shared machine: say how shared). */
  load: { start: number; end: number };
}

const loadAverage = () => {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
};

const seconds = (rs: StepResult[]): StepSeconds => ({ min: minOf(rs.map((r) => r.seconds)), median: median(rs.map((r) => r.seconds)) });

/**
 * Steps the sides in turn, `steps` rounds after one warm-up step each; the
 * order rotates every round, so no side always follows the same other one.
 */
async function alternate(sides: StepProcess[], steps: number): Promise<{ warm: StepResult[]; results: StepResult[][] }> {
  const warm: StepResult[] = [];
  for (const side of sides) warm.push(await side.request<StepResult>('step'));
  const results: StepResult[][] = sides.map(() => []);
  for (let i = 0; i < steps; i++) {
    for (let k = 0; k < sides.length; k++) {
      const s = (i + k) % sides.length;
      results[s].push(await sides[s].request<StepResult>('step'));
    }
  }
  return { warm, results };
}

async function benchModel(c: ModelCase, batch: number, size: number, dir: string): Promise<TrainRow> {
  const setup: StepSetup = { ...writeStepInputs(dir, join(CFG_DIR, `${c.model}.cfg`), batch, size), threads: torch.getNumThreads(), device: DEVICE };
  const oursArgs = [join(REPO_ROOT, 'dist', 'bench', 'train_step.js'), JSON.stringify(setup)];
  const pytorchArgs = [join(REPO_ROOT, 'bench', 'reference', 'train_step.py'), JSON.stringify(setup)];
  const sides = [
    new StepProcess('ours', process.execPath, oursArgs),
    new StepProcess('ours without the block cache', process.execPath, oursArgs, { YOLO_CPU_CACHE_MB: '0' }),
    new StepProcess('PyTorch', PYTHON, pytorchArgs),
    new StepProcess('PyTorch with our waits', PYTHON, pytorchArgs, { GOMP_SPINCOUNT: String(OPENMP_SPIN_COUNT) }),
  ];
  try {
    const loadStart = loadAverage();
    const { warm, results: [o, n, p, q] } = await alternate(sides, c.steps);
    const loadEnd = loadAverage();
    const rss: number[] = []; // ours, ours without the cache, PyTorch, PyTorch with our waits
    for (const side of sides) rss.push((await side.request<{ maxRssMb: number }>('quit')).maxRssMb);
    const [os, ns, ps, qs] = [seconds(o), seconds(n), seconds(p), seconds(q)];
    const paired = (xs: StepResult[]) => median(xs.map((r, i) => p[i].seconds / r.seconds));
    return {
      model: c.model, oursImagesPerSecond: batch / os.median, pytorchImagesPerSecond: batch / ps.median, ratio: ps.median / os.median,
      minRatio: ps.min / os.min, pairedRatio: paired(o), oursPeakRssMb: rss[0], pytorchPeakRssMb: rss[2], oursSeconds: os, pytorchSeconds: ps,
      noCache: { seconds: ns, imagesPerSecond: batch / ns.median, ratio: ps.median / ns.median, minRatio: ps.min / ns.min, pairedRatio: paired(n), peakRssMb: rss[1] },
      pytorchOurWaits: { seconds: qs, ratio: qs.median / os.median, minRatio: qs.min / os.min, peakRssMb: rss[3] },
      oursParts: medianParts(o), pytorchParts: medianParts(p),
      cpuSecondsPerStep: { ours: median(o.map((r) => r.cpuSeconds)), pytorch: median(p.map((r) => r.cpuSeconds)) },
      firstLoss: { ours: warm[0].loss.total, pytorch: warm[2].loss.total }, divergedAtStep: { ours: diverged(o), pytorch: diverged(p) }, steps: c.steps, load: { start: loadStart, end: loadEnd },
    };
  } finally {
    for (const side of sides) side.kill();
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
    const f = (x: StepSeconds) => `${x.min.toFixed(3)} / ${x.median.toFixed(3)}`;
    printTable(`training step at ${size}, batch ${batch}, ${DEVICE === 'cpu' ? `${torch.getNumThreads()} threads` : DEVICE} (forward + loss + backward + Adam), seconds min / median over ${rows.map((r) => r.steps).join(', ')} alternating steps; ratio = PyTorch / ours`,
      ['model', 'ours s', 'ours no-cache s', 'PyTorch s', 'PyTorch our-waits s', 'ratio min / median', 'no-cache ratio', 'ratio vs our-waits', 'peak RSS MB ours / no-cache / PyTorch', 'load'],
      rows.map((r) => [r.model, f(r.oursSeconds), f(r.noCache.seconds), f(r.pytorchSeconds), f(r.pytorchOurWaits.seconds), `${r.minRatio.toFixed(2)} / ${r.ratio.toFixed(2)}`,
        `${r.noCache.minRatio.toFixed(2)} / ${r.noCache.ratio.toFixed(2)}`, `${r.pytorchOurWaits.minRatio.toFixed(2)} / ${r.pytorchOurWaits.ratio.toFixed(2)}`,
        `${r.oursPeakRssMb.toFixed(0)} / ${r.noCache.peakRssMb.toFixed(0)} / ${r.pytorchPeakRssMb.toFixed(0)}`, `${r.load.start.toFixed(1)} - ${r.load.end.toFixed(1)}`]));
    for (const r of rows.filter((x) => x.divergedAtStep.ours !== null || x.divergedAtStep.pytorch !== null)) {
      console.log(`${r.model}: the loss stopped being finite at measured step ${r.divergedAtStep.ours ?? '-'} (ours) / ${r.divergedAtStep.pytorch ?? '-'} (PyTorch); the timings still compare the same operations`);
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await benchTrain(), null, 2));
