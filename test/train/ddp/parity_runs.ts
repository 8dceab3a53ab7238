// The runs the DDP parity tests compare (parity.test.ts, sync_bn_parity.test.ts):
// the same seeded weights and per-rank batches through our data-parallel
// training (parity_worker.ts, one process per rank), PyTorch's own
// DistributedDataParallel on gloo (reference/ddp_reference.py) and, for
// synchronized BatchNorm, one PyTorch process over the concatenated batch
// (reference/concat_reference.py).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../../src/torch/index.js';
import { Darknet, saveWeights } from '../../../src/darknet/index.js';
import { DEFAULT_TRAIN } from '../../../src/train/options.js';
import { PYTHON, REPO_ROOT } from '../../support/references.js';
import { freePort, runRanks } from '../../support/ranks.js';

export const WORLD = 2;
export const BATCH = 2;
export const STEPS = 5;
export const TOLERANCE = 1e-5;
/**
 * No weight decay here: where decay nearly cancels a gradient (g + wd·p ≈ 0)
 * Adam's first steps, lr·g/(|g| + eps), turn float32 noise of 1e-9 into
 * updates that differ by 1e-4 (measured with the trainer's 5e-4: 2 of the
 * 287k weights of shapes-tiny, while the averaged gradients agreed to 5e-6
 * relative). Decay is per-rank arithmetic after the reduce; DDP does not touch it.
 */
const WEIGHT_DECAY = Number(process.env.DDP_PARITY_DECAY ?? 0);
const worker = fileURLToPath(new URL('./parity_worker.js', import.meta.url));
const referenceDir = join(REPO_ROOT, 'test', 'train', 'ddp', 'reference');

/** Seeded random weights and a different batch per rank (images in 0..1, 3 boxes an image), as .weights and .npy. */
function writeInputs(dir: string, cfg: string, size: number, syncBn: boolean, dtype: RunDtype) {
  torch.manualSeed(7);
  const model = Darknet.fromFile(cfg);
  const classes = model.heads[0].classes;
  saveWeights(model, join(dir, 'w.weights'));
  model.dispose();
  const ranks = Array.from({ length: WORLD }, (_, r) => {
    const files = { images: join(dir, `images${r}.npy`), labels: join(dir, `labels${r}.npy`) };
    torch.tidy(() => {
      torch.io.saveNpy(files.images, torch.rand([BATCH, 3, size, size]));
      const u = torch.rand([BATCH * 3, 5]).toArray();
      const rows = Array.from({ length: BATCH * 3 }, (_, n) => {
        const [x, y, w, h, c] = u.slice(n * 5, n * 5 + 5);
        return [Math.floor(n / 3), 0.2 + 0.6 * x, 0.2 + 0.6 * y, 0.05 + 0.3 * w, 0.05 + 0.3 * h, Math.floor(c * classes)];
      });
      torch.io.saveNpy(files.labels, torch.tensor(new Float32Array(rows.flat()), { shape: [BATCH * 3, 6] }));
    });
    return files;
  });
  return { cfg, weights: join(dir, 'w.weights'), ranks, steps: STEPS, lr: DEFAULT_TRAIN.peakLr, weightDecay: WEIGHT_DECAY, threads: 1, out: dir, syncBn, dtype, loss: { bboxLoss: DEFAULT_TRAIN.bboxLoss, objTarget: DEFAULT_TRAIN.objTarget, assign: DEFAULT_TRAIN.assign } };
}

/** The dtype every side runs in: float32 (training's), or float64, all sides casting the same float32 weights and inputs. */
export type RunDtype = 'float32' | 'float64';
/** One flattened row of a side's values, in its run's dtype. */
export type Row = Float32Array | Float64Array;

export function maxAbs(a: Row, b: Row): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
const rowsOf = (path: string) => torch.tidy(() => {
  const t = torch.io.loadNpy(path);
  return Array.from({ length: t.shape[0] }, (_, s) => t.select(0, s).dataSync() as Row);
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** [rank][step] rows: parameters, averaged gradients and BatchNorm running statistics after each step. */
export interface Sides {
  params: Row[][];
  grads: Row[][];
  buffers: Row[][];
}

function python(script: string, setup: object) {
  const py = spawnSync(PYTHON, [join(referenceDir, script), JSON.stringify(setup)], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(py.status, 0, py.stderr);
}

/**
 * Runs ours and PyTorch DDP on `cfg` (BatchNorm synchronized or not); with
 * `concat`, also the single process over the concatenated batch (its rows
 * as a world of one); every side in `dtype` (float32 unless given).
 * Returns every rank's rows per step, and our timing.
 */
export async function runBoth(cfg: string, size: number, o: { syncBn?: boolean; concat?: boolean; dtype?: RunDtype } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ddp-parity-'));
  try {
    const setup = writeInputs(dir, cfg, size, o.syncBn ?? false, o.dtype ?? 'float32');
    python('ddp_reference.py', { ...setup, port: await freePort() });
    if (o.concat) python('concat_reference.py', setup);
    const torchNames = JSON.parse(readFileSync(join(dir, 'torch_names.json'), 'utf8'));
    const renamed = (names: string[]) => names.map((n) => n.replace(/^layers\./, 'blocks.'));
    const timing: string[] = [];
    // ours twice: the allreduce overlapped with backward (libtorch's reducer) and after it (the default)
    for (const [tag, overlap] of [['ours', true], ['after', false]] as const) {
      const ours = await runRanks(worker, [JSON.stringify({ ...setup, overlap, tag })], WORLD, { killAfterMs: 300_000 });
      for (const r of ours) assert.equal(r.code, 0, r.stderr);
      const reports = ours.map((r) => JSON.parse(r.stdout.trim().split('\n').at(-1)!));
      assert.deepEqual(renamed(reports[0].names), torchNames.names);
      assert.deepEqual(renamed(reports[0].buffers), torchNames.buffers);
      const t = reports[0].times.slice(1); // the first step warms up
      timing.push(`${overlap ? 'overlapped' : 'after backward'}: step ${median(t.map((x: { stepSeconds: number }) => x.stepSeconds)).toFixed(3)} s, allreduce ${median(t.map((x: { reduceSeconds: number }) => x.reduceSeconds)).toFixed(4)} s of ${(t[0].bytes / 1e6).toFixed(2)} MB in ${reports[0].buckets} buckets (medians)`);
    }
    const load = (name: string) => Array.from({ length: WORLD }, (_, r) => rowsOf(join(dir, `${name}${r}.npy`)));
    const mine: Sides = { params: load('ours_rank'), grads: load('ours_grads'), buffers: load('ours_buffers') };
    const after: Sides = { params: load('after_rank'), grads: load('after_grads'), buffers: load('after_buffers') };
    for (const key of ['params', 'grads', 'buffers'] as const) {
      for (let r = 0; r < WORLD; r++) for (let s = 0; s < STEPS; s++) assert.equal(maxAbs(mine[key][r][s], after[key][r][s]), 0, `${key}, step ${s + 1}, rank ${r}: the overlapped reducer differs from the after-backward one`);
    }
    const theirs: Sides = { params: load('torch_rank'), grads: load('torch_grads'), buffers: load('torch_buffers') };
    const concat: Sides | undefined = o.concat ? { params: [rowsOf(join(dir, 'concat_params.npy'))], grads: [rowsOf(join(dir, 'concat_grads.npy'))], buffers: [rowsOf(join(dir, 'concat_buffers.npy'))] } : undefined;
    return { mine, theirs, concat, timing: timing.join('; ') };
  } finally {
    if (!process.env.DDP_KEEP) rmSync(dir, { recursive: true, force: true });
    else console.log(dir);
  }
}

export function assertRanksIdentical(mine: Row[][]) {
  for (let s = 0; s < STEPS; s++) for (let r = 1; r < WORLD; r++) assert.equal(maxAbs(mine[r][s], mine[0][s]), 0, `step ${s + 1}: our rank ${r} differs from rank 0`);
}

/** Largest |a - b| over every step and rank, of parameters, BN running statistics and averaged gradients. */
export interface AllSteps {
  params: number;
  buffers: number;
  grads: number;
  /** Step-1 gradients of `b` under `small` in magnitude: what a float32 case leaves out as Adam's noise regime. */
  small: number;
}

/**
 * Compares `a` (every rank) with `b` (the same ranks, or a world of one)
 * after every one of the STEPS steps: no weight left out. Asserts each
 * step's parameters, BN running statistics and averaged gradients within
 * TOLERANCE and returns the worst differences.
 */
export function assertAllSteps(a: Sides, b: Sides, name: string, small: number): AllSteps {
  const w: AllSteps = { params: 0, buffers: 0, grads: 0, small: 0 };
  b.grads[0][0].forEach((g) => { if (Math.abs(g) < small) w.small++; });
  for (let s = 0; s < STEPS; s++) {
    for (let r = 0; r < WORLD; r++) {
      const q = Math.min(r, b.params.length - 1);
      w.params = Math.max(w.params, maxAbs(a.params[r][s], b.params[q][s]));
      w.buffers = Math.max(w.buffers, maxAbs(a.buffers[r][s], b.buffers[q][s]));
      w.grads = Math.max(w.grads, maxAbs(a.grads[r][s], b.grads[q][s]));
      assert.ok(w.params <= TOLERANCE, `step ${s + 1}, rank ${r}: parameters, max |${name}| = ${w.params}`);
      assert.ok(w.buffers <= TOLERANCE, `step ${s + 1}, rank ${r}: BN running statistics, max |${name}| = ${w.buffers}`);
      assert.ok(w.grads <= TOLERANCE, `step ${s + 1}, rank ${r}: averaged gradients, max |${name}| = ${w.grads}`);
    }
  }
  return w;
}

/** A line of the figures of assertAllSteps. */
export const allStepsLine = (name: string, w: AllSteps, small: number) =>
  `${name}: parameters ${w.params.toExponential(2)}, BN statistics ${w.buffers.toExponential(2)}, gradients ${w.grads.toExponential(2)} (none left out; float32's cut |g| < ${small.toExponential(0)} would leave out ${w.small})`;
