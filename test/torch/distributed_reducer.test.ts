// libtorch's DDP reducer (c10d::Reducer) through the addon, two real
// processes over Gloo: an armed backward averages the accumulated gradients
// over the ranks, an unarmed one (no_sync) leaves them local; expected
// values by hand (worker: rank r's gradients are (r+1)-scaled).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runRanks } from '../support/ranks.js';

const worker = fileURLToPath(new URL('./distributed_reducer_worker.js', import.meta.url));
const lastJson = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!);

test('an armed backward averages the accumulated gradients over the ranks; an unarmed one leaves them local', async () => {
  const ranks = await runRanks(worker, ['no-sync'], 2);
  ranks.forEach((r, rank) => {
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson(r.stdout);
    const k = rank + 1;
    assert.deepEqual(out.local, { w: [k, 2 * k, 3 * k], b: [k, k] });
    assert.equal(out.firstRebuilt, false);
    // w: mean over ranks of (r+1)[1,2,3] + 2(r+1)[1,2,3] = 3·1.5·[1,2,3]; b: mean of (r+1) + 2 = 3.5
    assert.deepEqual(out.averaged, { w: [4.5, 9, 13.5], b: [3.5, 3.5] });
    assert.equal(out.buckets.length, 2);
    assert.deepEqual(out.buckets.flat().sort(), [0, 1]);
    assert.equal(out.bytes, 5 * 4);
    assert.equal(out.timed, true);
    assert.deepEqual(out.localAgain, { w: [k, 2 * k, 3 * k], b: [k, k] });
    assert.equal(out.rebuilt, true);
    assert.deepEqual(out.averagedAgain, { w: [1.5, 3, 4.5], b: [1.5, 1.5] });
    assert.deepEqual(out.afterDestroy, { w: [k, 2 * k, 3 * k], b: [k, k] });
    assert.equal(out.leaked, 0);
  });
});

test('a parameter left without a gradient in an armed backward is an error naming the rank at the next prepare', async () => {
  const ranks = await runRanks(worker, ['unused'], 2);
  ranks.forEach((r, rank) => {
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson(r.stdout);
    assert.match(out.error, new RegExp(`^rank ${rank} of 2: reducer prepare failed: .*finished reduction in the prior iteration`, 's'));
    assert.equal(out.leaked, 0);
  });
});
