// nms and batchedNms against torchvision.ops.nms / batched_nms on 1,000
// seeded random cases: clustered boxes (so suppression happens), scores with
// many exact ties in a third of the cases (so the tie order is tested), both
// of batched_nms's code paths (<= 1000 boxes sort once; more sort per class).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { nms, batchedNms, greedyNms } from '../../src/boxes/index.js';
import { hasPython, runPython } from '../support/references.js';
import { rng } from './random_boxes.js';

interface Case { boxes: number[][]; scores: number[]; idxs: number[]; thr: number }

function makeCase(r: () => number, k: number): Case {
  // Every 40th case is large enough for batched_nms's per-class path.
  const n = k % 40 === 0 ? 1001 + Math.floor(r() * 400) : Math.floor(r() * 120);
  const clusters = Array.from({ length: 1 + Math.floor(r() * 6) }, () => [r() * 200, r() * 200]);
  const ties = k % 3 === 0;
  const nc = 1 + Math.floor(r() * 6);
  const boxes: number[][] = [], scores: number[] = [], idxs: number[] = [];
  for (let i = 0; i < n; i++) {
    const [cx, cy] = clusters[Math.floor(r() * clusters.length)];
    const x = cx + (r() - 0.5) * 30, y = cy + (r() - 0.5) * 30;
    const w = 5 + r() * 40, h = 5 + r() * 40;
    boxes.push([x - w / 2, y - h / 2, x + w / 2, y + h / 2]);
    scores.push(ties ? Math.floor(r() * 5) / 5 : r());
    idxs.push(Math.floor(r() * nc));
  }
  return { boxes, scores, idxs, thr: k % 4 === 0 ? 0.5 : 0.1 + r() * 0.8 };
}

const TV = `
import json, sys, torch, torchvision.ops as ops
cases = json.load(sys.stdin)
out = []
for c in cases:
    b = torch.tensor(c['boxes'], dtype=torch.float32).reshape(-1, 4)
    s = torch.tensor(c['scores'], dtype=torch.float32)
    i = torch.tensor(c['idxs'], dtype=torch.int64)
    out.append([ops.nms(b, s, c['thr']).tolist(), ops.batched_nms(b, s, i, c['thr']).tolist()])
print(json.dumps(out))
`;

test('nms and batchedNms keep the same indices as torchvision on 1000 random cases', (t) => {
  if (!hasPython(t, 'torch', 'torchvision')) return;
  const r = rng(12345);
  const cases = Array.from({ length: 1000 }, (_, k) => makeCase(r, k));
  const ref = runPython<[number[], number[]][]>(TV, cases, { timeoutMs: 300_000 });
  const start = torch.memory().tensors;
  let suppressedSome = 0;
  cases.forEach((c, k) => {
    torch.tidy(() => {
      const boxes = torch.tensor(c.boxes.length ? c.boxes : [], { dtype: 'float32' }).reshape([-1, 4]);
      const scores = torch.tensor(c.scores, { dtype: 'float32' });
      const idxs = torch.tensor(c.idxs, { dtype: 'int64' });
      const kept = nms(boxes, scores, c.thr).toArray();
      assert.deepEqual(kept, ref[k][0], `case ${k} nms (n=${c.scores.length}, thr=${c.thr})`);
      assert.deepEqual(batchedNms(boxes, scores, idxs, c.thr).toArray(), ref[k][1], `case ${k} batchedNms`);
      if (kept.length < c.scores.length) suppressedSome++;
    });
  });
  assert.ok(suppressedSome > 700, `cases with suppression: ${suppressedSome}`);
  assert.equal(torch.memory().tensors, start);
});

test('greedyNms on a hand case: threshold is strict, classes separate', () => {
  // Box 0 and 1 overlap with IoU exactly 0.5 (intersection 50, union 100... see below).
  const boxes = [0, 0, 10, 10, 0, 0, 10, 5, 20, 20, 30, 30, 0, 0, 10, 10];
  // IoU(0,1) = 50 / 100 = 0.5; box 3 is identical to box 0.
  assert.deepEqual(greedyNms(boxes, [0, 1, 2, 3], 0.5), [0, 1, 2]); // 0.5 is not > 0.5
  assert.deepEqual(greedyNms(boxes, [0, 1, 2, 3], 0.49), [0, 2]);
  assert.deepEqual(greedyNms(boxes, [3, 0, 1, 2], 0.49), [3, 2]);
  assert.deepEqual(greedyNms(boxes, [0, 1, 2, 3], 0.49, [0, 1, 0, 1]), [0, 1, 2]);
});

test('greedyNms with a limit keeps the first `limit` of what it keeps without one (each class stops early)', () => {
  // hand case: class 0 keeps 0, 2, 4 (disjoint boxes), class 1 keeps 1, 3; the order interleaves them
  const boxes = [0, 0, 1, 1, 0, 0, 1, 1, 5, 5, 6, 6, 5, 5, 6, 6, 9, 9, 10, 10];
  const classes = [0, 1, 0, 1, 0];
  assert.deepEqual(greedyNms(boxes, [0, 1, 2, 3, 4], 0.5, classes), [0, 1, 2, 3, 4]);
  assert.deepEqual(greedyNms(boxes, [0, 1, 2, 3, 4], 0.5, classes, 3), [0, 1, 2]);
  assert.deepEqual(greedyNms(boxes, [4, 3, 2, 1, 0], 0.5, classes, 2), [4, 3]);
  assert.deepEqual(greedyNms(boxes, [0, 1, 2, 3, 4], 0.5, undefined, 2), [0, 2]); // agnostic: 1 and 3 repeat 0 and 2
  const r = rng(5);
  for (let k = 0; k < 50; k++) {
    const n = 200 + Math.floor(r() * 300);
    const flat = Array.from({ length: n }, () => { const x = r() * 100, y = r() * 100; return [x, y, x + 5 + r() * 30, y + 5 + r() * 30]; }).flat();
    const cls = Array.from({ length: n }, () => Math.floor(r() * 3));
    const order = Array.from({ length: n }, (_, i) => i).sort(() => r() - 0.5);
    const limit = 1 + Math.floor(r() * 40);
    for (const c of [cls, undefined]) {
      assert.deepEqual(greedyNms(Float32Array.from(flat), order, 0.45, c, limit), greedyNms(Float32Array.from(flat), order, 0.45, c).slice(0, limit));
    }
  }
});

test('nms input errors', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    assert.throws(() => nms(torch.zeros([3, 4]), torch.zeros([2]), 0.5), /scores must have shape \[3\]/);
    assert.throws(() => nms(torch.zeros([3, 3]), torch.zeros([3]), 0.5), /shape \[N, 4\]/);
    assert.throws(() => nms(torch.tensor([[0, 0, 1, NaN]]), torch.zeros([1]), 0.5), /non-finite value NaN at row 0/);
    assert.throws(() => batchedNms(torch.zeros([2, 4]), torch.zeros([2]), torch.zeros([3]), 0.5), /idxs must have shape \[2\]/);
    assert.equal(nms(torch.zeros([0, 4]), torch.zeros([0]), 0.5).numel(), 0);
  });
  assert.equal(torch.memory().tensors, start);
});
