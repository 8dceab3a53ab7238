// Data-parallel training with synchronized BatchNorm (the trainer's
// --sync-bn: ddp/hook.ts, nn/sync_batchnorm.ts) against two references,
// 2 processes × batch 2, 5 Adam steps, as parity.test.ts:
// - PyTorch's DistributedDataParallel (gloo) with every BatchNorm2d a
//   SyncBatchNorm; PyTorch 1.13's refuses CPU, so a transcription of its
//   algorithm (reference/cpu_sync_batchnorm.py);
// - one PyTorch process with plain nn.BatchNorm2d over the concatenated
//   batch of 4, minimising the mean of the per-rank losses
//   (reference/concat_reference.py): PyTorch's own BatchNorm, tying the
//   transcription to it.
//
// Why step 1 (as parity.test.ts's yolov3-tiny case): the three compute
// BatchNorm's backward by different float32 formulas (ours through
// autograd of the two-pass statistics, the transcription by
// batch_norm_backward_elemt's, PyTorch's batch_norm by its CPU kernel), so
// gradients that are float32 noise (~0.8% of shapes-tiny's weights have
// |g| < 1e-6, most of them exactly 0 on some rank) differ by ~3e-8
// between any two, and Adam's first update lr·g/(|g| + 1e-8) lets that
// noise decide them: measured, after step 1 the two PyTorch references
// differ from each other by 5.8e-5 (we: 5.2e-5 from the transcription,
// 3.1e-5 from the single process), every such weight with |g| < 2e-7; from
// there all three drift apart as any two float32 trainings do. So: ranks
// identical after every step; step 1's averaged gradients and BatchNorm
// running statistics to 1e-5; its weights with |g| >= 1e-6 (where that
// noise moves Adam's update by lr·1e-8·3e-8/g² < 1e-6) to 1e-5. Another
// optimizer would not hold later steps either: with SGD (lr 0.01, momentum
// 0.9; tried, not kept) all three agree to 6e-8 through step 2, then at
// step 3 our gradient of the first conv's weight differs from both
// references (which agree with each other and with a float64 recomputation)
// by 3.2e-4: a 2×2 window of the first max-pool holds two values within
// 1e-6, which our BatchNorm output (another float32 formula than PyTorch's
// kernel) orders the other way, so that gradient goes to the other pixel.
// Without synchronization the same comparison with the single process
// fails by far more (checked).
//
// That all of this is float32 rounding, not a difference of semantics, the
// float64 cases at the end show: every side casts the same float32 weights
// and inputs to float64 (PyTorch's model.double(), our
// Module.to('float64')), rounding noise falls to ~1e-16, the max-pool tie
// does not flip and no gradient is left in Adam's noise regime, so every
// parameter, BN running statistic and averaged gradient of every rank
// agrees after each of the 5 steps, nothing left out. Measured max |Δ|
// over the 5 steps (parameters / BN statistics), shapes-tiny: ours - PyTorch
// DDP + SyncBatchNorm 8.0e-13 / 2.7e-13, ours - one process 9.3e-13 /
// 3.1e-13, transcription - one process 1.0e-12 / 4.4e-14; yolov3-tiny:
// 2.5e-12 / 1.8e-12, 2.0e-11 / 6.3e-12, 1.8e-11 / 4.5e-12. Without
// synchronization, ours against the one process: 9.7e-3 / 1.0e-1
// (shapes-tiny), 10^10 times the synchronized run's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, hasPython } from '../../support/references.js';
import { STEPS, TOLERANCE, WORLD, allStepsLine, assertAllSteps, assertRanksIdentical, maxAbs, runBoth, type Sides } from './parity_runs.js';

const shapesTiny = join(REPO_ROOT, 'cfg', 'shapes-tiny.cfg');
/** Below this step-1 gradient, Adam's first update is decided by float32 noise (see above). */
const NOISE_GRADIENT = 1e-6;

/** Step 1's largest differences of `a` (every rank) from `b` (the same ranks, or a world of one), and of step `STEPS`'s weights. */
function step1(a: Sides, b: Sides) {
  const w = { grads: 0, buffers: 0, weights: 0, left: 0, drift: 0 };
  for (let r = 0; r < WORLD; r++) {
    const q = Math.min(r, b.params.length - 1);
    w.grads = Math.max(w.grads, maxAbs(a.grads[r][0], b.grads[q][0]));
    w.buffers = Math.max(w.buffers, maxAbs(a.buffers[r][0], b.buffers[q][0]));
    b.grads[q][0].forEach((g, i) => {
      if (Math.abs(g) >= NOISE_GRADIENT) w.weights = Math.max(w.weights, Math.abs(a.params[r][0][i] - b.params[q][0][i]));
      else if (r === 0) w.left++;
    });
    w.drift = Math.max(w.drift, maxAbs(a.params[r][STEPS - 1], b.params[q][STEPS - 1]));
  }
  return w;
}

function assertStep1(a: Sides, b: Sides, name: string): string {
  const w = step1(a, b);
  assert.ok(w.grads <= TOLERANCE, `step 1 averaged gradients: max |${name}| = ${w.grads}`);
  assert.ok(w.buffers <= TOLERANCE, `step 1 BN running statistics: max |${name}| = ${w.buffers}`);
  assert.ok(w.weights <= TOLERANCE, `step 1 weights with |g| >= ${NOISE_GRADIENT}: max |${name}| = ${w.weights}`);
  return `${name}: gradients ${w.grads.toExponential(2)}, BN statistics ${w.buffers.toExponential(2)}, weights ${w.weights.toExponential(2)} (${w.left} of ${a.params[0][0].length} with |g| < ${NOISE_GRADIENT.toExponential(0)} left out); after step ${STEPS} all weights ${w.drift.toExponential(2)}`;
}

/** Runs cfg with --sync-bn and checks ours against both references and the references against each other. */
async function syncBnCase(cfg: string, label: string) {
  const { mine, theirs, concat, timing } = await runBoth(cfg, 128, { syncBn: true, concat: true });
  assertRanksIdentical(mine.params);
  assertRanksIdentical(mine.buffers);
  const lines = [
    assertStep1(mine, theirs, 'ours - PyTorch DDP + SyncBatchNorm'),
    assertStep1(mine, concat!, 'ours - one process over the batch of 4'),
    assertStep1(theirs, concat!, 'transcription - one process'),
  ];
  console.log(`${label} --sync-bn, step 1 max |Δ|:\n  ${lines.join('\n  ')}\n  ${timing}`);
}

test('--sync-bn, 2 ranks × batch 2 on shapes-tiny: ranks identical; step 1 gradients, BN statistics and (outside Adam\'s noise regime) weights equal PyTorch DDP with SyncBatchNorm and one process over the batch of 4 to 1e-5', async (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  await syncBnCase(shapesTiny, 'shapes-tiny');
});

test('without --sync-bn, the same run differs from one process over the batch of 4 by far more than 1e-5', async (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  const { mine, concat } = await runBoth(shapesTiny, 128, { concat: true });
  const w = step1(mine, concat!);
  assert.ok(w.grads > 100 * TOLERANCE && w.buffers > 100 * TOLERANCE && w.weights > 100 * TOLERANCE, `step 1: ${JSON.stringify(w)}`);
  console.log(`shapes-tiny without --sync-bn vs one process over the batch of 4, step 1 max |Δ|: gradients ${w.grads.toExponential(2)}, BN statistics ${w.buffers.toExponential(2)}, weights with |g| >= ${NOISE_GRADIENT.toExponential(0)} ${w.weights.toExponential(2)}`);
});

test('yolov3-tiny --sync-bn: ranks identical; step 1 gradients, BN statistics and (outside Adam\'s noise regime) weights equal both references to 1e-5', async (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  await syncBnCase(join(REPO_ROOT, 'cfg', 'yolov3-tiny.cfg'), 'yolov3-tiny');
});

/** In float64, all 5 steps of ours against both references and the references against each other, nothing left out. */
async function syncBnCase64(cfg: string, label: string) {
  const { mine, theirs, concat, timing } = await runBoth(cfg, 128, { syncBn: true, concat: true, dtype: 'float64' });
  assertRanksIdentical(mine.params);
  assertRanksIdentical(mine.buffers);
  const lines = ([
    [mine, theirs, 'ours - PyTorch DDP + SyncBatchNorm'],
    [mine, concat!, 'ours - one process over the batch of 4'],
    [theirs, concat!, 'transcription - one process'],
  ] as const).map(([a, b, name]) => allStepsLine(name, assertAllSteps(a, b, name, NOISE_GRADIENT), NOISE_GRADIENT));
  console.log(`${label} --sync-bn float64, max |Δ| over ${STEPS} steps × ${WORLD} ranks:\n  ${lines.join('\n  ')}\n  ${timing}`);
}

test('float64 --sync-bn on shapes-tiny: every parameter and BN statistic of every rank equals PyTorch DDP with SyncBatchNorm and one process over the batch of 4 to 1e-5 after each of 5 Adam steps', async (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  await syncBnCase64(shapesTiny, 'shapes-tiny');
});

test('float64 without --sync-bn, the same 5 steps differ from one process over the batch of 4 by far more than 1e-5', async (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  const { mine, concat } = await runBoth(shapesTiny, 128, { concat: true, dtype: 'float64' });
  const last = Math.max(...mine.params.map((m) => maxAbs(m[STEPS - 1], concat!.params[0][STEPS - 1])));
  const buffers = Math.max(...mine.buffers.map((m) => maxAbs(m[STEPS - 1], concat!.buffers[0][STEPS - 1])));
  assert.ok(last > 100 * TOLERANCE && buffers > 100 * TOLERANCE, `after step ${STEPS}: parameters ${last}, BN statistics ${buffers}`);
  console.log(`shapes-tiny float64 without --sync-bn vs one process over the batch of 4, after step ${STEPS} max |Δ|: parameters ${last.toExponential(2)}, BN statistics ${buffers.toExponential(2)}`);
});

test('float64 yolov3-tiny --sync-bn: every parameter and BN statistic of every rank equals both references to 1e-5 after each of 5 Adam steps', async (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  await syncBnCase64(join(REPO_ROOT, 'cfg', 'yolov3-tiny.cfg'), 'yolov3-tiny');
});
