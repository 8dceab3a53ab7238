// The loader's data-parallel shard against torch.utils.data.DistributedSampler
// (shuffle=False over our epoch order: padded with its own first indices to
// a multiple of the world size, then rank::world).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardOrder } from '../../src/data/index.js';
import { hasPython, runPython } from '../support/references.js';

const PYTORCH = `
import json, sys
from torch.utils.data import DistributedSampler
cases = json.load(sys.stdin)
print(json.dumps([[order[i] for i in DistributedSampler(order, num_replicas=w, rank=r, shuffle=False)] for order, w, r in cases]))
`;

test("shards are DistributedSampler's: equal lengths, padded from the start, rank::world", (t) => {
  if (!hasPython(t, 'torch')) return;
  const cases: [number[], number, number][] = [];
  for (const n of [1, 2, 7, 8, 10]) {
    const order = Array.from({ length: n }, (_, i) => (i * 7 + 3) % n); // a permutation, as a shuffled epoch
    for (const w of [1, 2, 3, 4]) for (let r = 0; r < w; r++) cases.push([order, w, r]);
  }
  assert.deepEqual(cases.map(([o, w, r]) => shardOrder(o, { rank: r, worldSize: w })), runPython<number[][]>(PYTORCH, cases));
  assert.deepEqual(shardOrder([5, 6, 7], { rank: 1, worldSize: 2 }), [6, 5]); // by hand: [5, 6, 7, 5], odd places
  assert.throws(() => shardOrder([1], { rank: 2, worldSize: 2 }), /rank 2 is not in a world of 2/);
});
