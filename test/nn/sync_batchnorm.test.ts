// Synchronized BatchNorm (src/nn/sync_batchnorm.ts) over two real ranks
// against plain BatchNorm (libtorch's aten::batch_norm) over the two ranks'
// samples together in one process: unequal counts (3 images and 1), values
// around 50 with a spread of 1. Outputs, input gradients, the summed
// weight and bias gradients and the running statistics after two steps
// must agree to 1e-5; eval mode runs on one rank alone, with the running
// statistics. The comparison can fail: each rank's own statistics
// (no group) differ from the whole batch's by far more (checked too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runRanks } from '../support/ranks.js';

const worker = fileURLToPath(new URL('./sync_batchnorm_worker.js', import.meta.url));
const TOLERANCE = 1e-5;
const PER_IMAGE = 3 * 5 * 4; // C·H·W

const maxAbs = (a: number[], b: number[]) => {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
};
/** The channel-major [N, C, H, W] values of images [from, from + n) out of a batch's flat array. */
const images = (flat: number[], from: number, n: number) => flat.slice(from * PER_IMAGE, (from + n) * PER_IMAGE);

test('synchronized BatchNorm2d over ranks of 3 and 1 images equals plain BatchNorm2d over the 4 (outputs, gradients, running statistics)', async () => {
  const ranks = await runRanks(worker, [], 2);
  const outs = ranks.map((r) => {
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  });
  const worst: Record<string, number> = {};
  const check = (what: string, d: number) => {
    worst[what] = Math.max(worst[what] ?? 0, d);
    assert.ok(d <= TOLERANCE, `${what}: max |synced - whole batch| = ${d}`);
  };
  for (const o of outs) {
    const ref = o.reference;
    check('output', maxAbs(o.ours.first.y, images(ref.first.y, o.from, o.count)));
    check('input gradient', maxAbs(o.ours.first.dx, images(ref.first.dx, o.from, o.count)));
    check('running mean', maxAbs(o.ours.runningMean, ref.runningMean));
    check('running var', maxAbs(o.ours.runningVar, ref.runningVar));
    assert.equal(o.ours.tracked, 2);
    assert.equal(o.leaked, 0);
  }
  // each rank's weight and bias gradients are its own loss's (DDP reduces them): their sum is the whole batch's
  const sum = (k: 'dw' | 'db') => outs[0].ours.first[k].map((v: number, i: number) => v + outs[1].ours.first[k][i]);
  check('weight gradient (sum over ranks)', maxAbs(sum('dw'), outs[0].reference.first.dw));
  check('bias gradient (sum over ranks)', maxAbs(sum('db'), outs[0].reference.first.db));
  assert.ok(outs[0].evalOut <= 1e-6, `eval: ${outs[0].evalOut}`);
  // the comparison can fail: each rank's own statistics (no group) are not the whole batch's
  const unsynced = outs.map((o) => maxAbs(o.local, images(o.reference.first.y, o.from, o.count)));
  for (const d of unsynced) assert.ok(d > 0.01, `unsynchronized output differs by only ${d}`);
  console.log(`sync BatchNorm vs whole batch: ${Object.entries(worst).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}; unsynchronized outputs: ${unsynced.map((d) => d.toExponential(1)).join(', ')}`);
});
