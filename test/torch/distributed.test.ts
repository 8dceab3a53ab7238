// c10d collectives through the addon: two real processes over Gloo,
// values checked by hand; a lost or silent peer is an error naming the
// rank and the collective, within the timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { assertTwoRankCollectives, lastJson } from './distributed_expect.js';
import { runRanks } from '../support/ranks.js';

const worker = fileURLToPath(new URL('./distributed_worker.js', import.meta.url));

test('broadcast, allreduce (sum), allgather, allgatherObject and barrier between two ranks', async () => {
  const ranks = await runRanks(worker, ['collectives'], 2);
  assertTwoRankCollectives(ranks);
});

test('allreduceSumAutograd: forward sums a copy over the ranks, backward sums the gradient over the ranks', async () => {
  const ranks = await runRanks(worker, ['autograd'], 2);
  for (const r of ranks) {
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson(r.stdout);
    const x = [1, 2, 3, 4].map((v) => v * (r.rank + 1));
    assert.deepEqual(out.y, [3, 6, 9, 12]); // (1 + 2)·[1, 2, 3, 4]
    assert.equal(out.yRequiresGrad, true);
    assert.equal(out.xContiguous, false); // Gloo's contiguous buffer is the Function's own copy
    // d(loss_0 + loss_1)/dx_r = w_0 + w_1 = (1 + 2)·[1, 10, 100, 1000]: each rank's x feeds both ranks' y
    assert.deepEqual(out.grad, [3, 30, 300, 3000]);
    assert.deepEqual(out.x, x); // the input is not reduced in place
    assert.equal(out.leaked, 0);
  }
});

test('a collective that fails inside backward makes backward throw, naming the rank and the collective', async () => {
  const [r0, r1] = await runRanks(worker, ['autograd-lost-peer', '20000'], 2);
  assert.equal(r1.code, 3);
  assert.equal(r0.code, 0, r0.stderr);
  const out = lastJson(r0.stdout);
  assert.equal(out.isError, true);
  assert.match(out.error, /^rank 0 of 2: allreduce \(autograd backward\) failed: .+/);
  assert.ok(out.seconds < 20, `detected after ${out.seconds} s`);
});

test('a peer that exits turns the next collective into an error naming the rank and the collective', async () => {
  const [r0, r1] = await runRanks(worker, ['lost-peer', '20000'], 2);
  assert.equal(r1.code, 3);
  const out = lastJson(r0.stdout);
  assert.match(out.error, /^rank 0 of 2: allreduce failed: .+/);
  assert.ok(out.seconds < 20, `detected after ${out.seconds} s`);
});

test('a peer that never joins the collective is an error at the timeout', async () => {
  const [r0] = await runRanks(worker, ['silent-peer', '1500'], 2);
  const out = lastJson(r0.stdout);
  assert.match(out.error, /^rank 0 of 2: allreduce failed: .*[Tt]imed out/);
  assert.ok(out.seconds >= 1.4 && out.seconds < 15, `failed after ${out.seconds} s`);
});

test('a rendezvous that no other rank joins fails at the timeout, naming the rank', async () => {
  const [r0] = await runRanks(worker, ['collectives', '1500', '1500'], 1, { env: { WORLD_SIZE: '2' } });
  assert.notEqual(r0.code, 0);
  assert.match(r0.stderr, /rank 0 of 2: rendezvous at 127\.0\.0\.1:\d+ failed/);
});
