// What distributed_worker.ts's 'collectives' run must leave on each of two
// ranks, by hand: shared by the Gloo test and its NCCL twin.
import assert from 'node:assert/strict';
import type { RankResult } from '../support/ranks.js';

export const lastJson = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!);

export function assertTwoRankCollectives(ranks: RankResult[]): void {
  for (const r of ranks) {
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson(r.stdout);
    assert.deepEqual(out.sum, [3, 30, 1]); // (1 + 2), (10 + 20), (0.5 + 0.5)
    assert.deepEqual(out.ints, [1, 14]);
    assert.deepEqual(out.bigMinMax, [3, 3]);
    assert.deepEqual(out.root1, [[2, 3]]); // rank 1's [r * 2, r * 3]
    assert.deepEqual(out.gathered, [[0, 0], [1, 1]]);
    assert.deepEqual(out.objects, [{ rank: 0, text: 'é' }, { rank: 1, text: 'éé' }]);
    assert.equal(out.leaked, 0);
  }
}
