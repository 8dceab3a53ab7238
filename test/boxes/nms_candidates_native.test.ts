// The addon's NMS candidates (yolo::nms_candidates, native/src/nms_candidates.cpp)
// against the table computed here in plain float32 steps (Math.fround), and
// nonMaxSuppression's native path against its aten one (a class filter
// naming every class takes the aten path) on the same predictions: random
// rows, rows with tied scores (quantised values), NaN rows, every threshold
// kind, the candidate cap; and its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { nonMaxSuppression } from '../../src/boxes/yolo_nms.js';
import { rng } from './random_boxes.js';

const f = Math.fround;

/** The expected table [n, 6] of rows [N, k]: both cuts at float32(conf), best class first among equals, best first (stable), capped. */
function reference(rows: number[][], conf: number, cap: number): number[][] {
  const c = f(conf);
  const kept: { score: number; row: number; cls: number }[] = [];
  rows.forEach((p, row) => {
    const obj = p[4];
    if (!(obj > c)) return;
    let best = -Infinity, cls = 0, nan = false;
    for (let j = 5; j < p.length; j++) {
      const v = f(p[j] * obj);
      if (Number.isNaN(v)) nan = true;
      if (v > best) best = v, cls = j - 5;
    }
    if (!nan && best > c) kept.push({ score: best, row, cls });
  });
  kept.sort((a, b) => b.score - a.score || a.row - b.row);
  return kept.slice(0, cap).map(({ score, row, cls }) => {
    const [cx, cy, w, h] = rows[row];
    return [f(cx - f(w / 2)), f(cy - f(h / 2)), f(cx + f(w / 2)), f(cy + f(h / 2)), score, cls];
  });
}

/** n rows of nc classes: boxes in [0, 400), scores in [0, 1) (quantised to 1/q when q > 0: ties), a NaN now and then. */
function predictions(r: () => number, n: number, nc: number, q: number, nanEvery = 0): number[][] {
  const s = () => (q ? Math.round(r() * q) / q : r());
  return Array.from({ length: n }, (_, i) => {
    const row = [r() * 400, r() * 400, r() * 80, r() * 80, ...Array.from({ length: 1 + nc }, s)].map(f);
    if (nanEvery && i % nanEvery === 3) row[5 + (i % nc)] = NaN;
    return row;
  });
}

const native = (rows: number[][], conf: number, cap: number): number[][] => torch.tidy(() => {
  const t = torch.op('yolo::nms_candidates', torch.tensor(new Float32Array(rows.flat()), { shape: [rows.length, rows[0].length] }), conf, cap) as torch.Tensor;
  const flat = t.toArray() as number[];
  return Array.from({ length: t.shape[0] }, (_, i) => flat.slice(6 * i, 6 * i + 6));
});

const HAS_OP = torch.hasOp('yolo::nms_candidates');

test('nms_candidates: the table of the float32 steps, ties, NaN rows, caps', { skip: !HAS_OP && 'the addon has no yolo::nms_candidates' }, () => {
  const start = torch.memory().tensors;
  const r = rng(11);
  for (const [n, nc, q, nanEvery] of [[1, 1, 0, 0], [300, 80, 0, 7], [500, 3, 8, 0], [2000, 20, 4, 5], [64, 17, 2, 0]]) {
    const rows = predictions(r, n, nc, q, nanEvery);
    for (const conf of [0, 0.001, 0.25, 0.3, 0.9]) {
      for (const cap of [30000, 10, 0]) assert.deepEqual(native(rows, conf, cap), reference(rows, conf, cap), `n=${n} nc=${nc} q=${q} conf=${conf} cap=${cap}`);
    }
  }
  assert.equal(torch.memory().tensors, start);
});

test('nonMaxSuppression: the native candidates give the aten path\'s detections', { skip: !HAS_OP && 'the addon has no yolo::nms_candidates' }, () => {
  const start = torch.memory().tensors;
  const r = rng(12);
  for (const [n, nc, q] of [[2535, 80, 0], [500, 3, 8], [3000, 1, 4]]) {
    torch.tidy(() => {
      const x = torch.tensor(new Float32Array(predictions(r, n, nc, q).flat()), { shape: [n, 5 + nc] });
      for (const conf of [0.001, 0.25]) {
        for (const agnostic of [false, true]) {
          const o = { confThreshold: conf, agnostic, maxDetections: 1000 };
          const ours = nonMaxSuppression(x, o)[0].toArray();
          const aten = nonMaxSuppression(x, { ...o, classes: Array.from({ length: nc }, (_, i) => i) })[0].toArray();
          assert.ok(ours.length > 0, 'the case keeps detections');
          assert.deepEqual(ours, aten, `n=${n} nc=${nc} q=${q} conf=${conf} agnostic=${agnostic}`);
        }
      }
    });
  }
  assert.equal(torch.memory().tensors, start);
});

test('nms_candidates refuses predictions of the wrong shape or type and a negative cap, naming the problem', { skip: !HAS_OP && 'the addon has no yolo::nms_candidates' }, () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    assert.throws(() => torch.op('yolo::nms_candidates', torch.zeros([3, 5]), 0.25, 10), /predictions must be \[N, 5 \+ nc\] with nc >= 1, got \[3, 5\]/);
    assert.throws(() => torch.op('yolo::nms_candidates', torch.zeros([3, 6]).to('float64'), 0.25, 10), /float32 on the CPU/);
    assert.throws(() => torch.op('yolo::nms_candidates', torch.zeros([3, 6]), 0.25, -1), /max_candidates must be >= 0/);
  });
  assert.equal(torch.memory().tensors, start);
});
