// The IoU family against torchvision (box_iou, generalized_box_iou,
// distance_box_iou, complete_box_iou) on random and degenerate boxes,
// plus gradients: equal to torchvision's where those are finite, and never NaN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { iouMatrix, pairedIou, iou, IOU_KINDS, type IouKind } from '../../src/boxes/index.js';
import { hasPython, runPython } from '../support/references.js';
import { rng, randomBox, SPECIAL_PAIRS, type B } from './random_boxes.js';

const TV = `
import json, sys, torch, torchvision.ops as ops
d = json.load(sys.stdin)
fns = {'iou': ops.box_iou, 'giou': ops.generalized_box_iou, 'diou': ops.distance_box_iou, 'ciou': ops.complete_box_iou}
nan = lambda t: [[None if v != v else v for v in row] for row in t.tolist()]
def run(f, a, b):
    a = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    m = f(a, b)
    m.sum().backward()
    return {'m': nan(m.detach()), 'ga': nan(a.grad), 'gb': nan(b.grad)}
# Values on every box; gradients on the random boxes alone, since one 0x0 box
# makes torchvision's gradients NaN for the whole set (CIoU's atan(0/0)).
print(json.dumps({k: {'all': run(f, d['a'], d['b']), 'random': run(f, d['ra'], d['rb'])} for k, f in fns.items()}))
`;

function randomSet(seed: number, n: number): B[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => randomBox(r));
}

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
}

type Ref = { m: (number | null)[][]; ga: (number | null)[][]; gb: (number | null)[][] };

/** Our matrix and gradients of its sum, as nested arrays. */
function ours(a: B[], b: B[], kind: IouKind, dtype: 'float32' | 'float64'): { m: number[][]; ga: number[][]; gb: number[][] } {
  return torch.tidy(() => {
    const ta = torch.tensor(a, { dtype, requiresGrad: true });
    const tb = torch.tensor(b, { dtype, requiresGrad: true });
    const m = iouMatrix(ta, tb, kind);
    m.sum().backward();
    const [ga, gb] = [ta.grad!, tb.grad!];
    const r = { m: m.tolist() as number[][], ga: ga.tolist() as number[][], gb: gb.tolist() as number[][] };
    ga.dispose();
    gb.dispose();
    return r;
  });
}

test('iouMatrix matches torchvision on random and degenerate boxes, values and gradients', (t) => {
  if (!hasPython(t, 'torch', 'torchvision')) return;
  const start = torch.memory().tensors;
  const [ra, rb] = [randomSet(1, 40), randomSet(2, 30)];
  const a = [...ra, ...SPECIAL_PAIRS.map((p) => p.a)];
  const b = [...rb, ...SPECIAL_PAIRS.map((p) => p.b)];
  const ref = runPython<Record<IouKind, { all: Ref; random: Ref }>>(TV, { a, b, ra, rb });
  let compared = 0;
  let gradsCompared = 0;
  for (const kind of IOU_KINDS) {
    for (const dtype of ['float64', 'float32'] as const) {
      const tol = dtype === 'float64' ? 1e-9 : 1e-6; // the bar is 1e-6
      const got = ours(a, b, kind, dtype);
      for (let i = 0; i < a.length; i++) {
        for (let j = 0; j < b.length; j++) {
          assert.ok(Number.isFinite(got.m[i][j]), `${kind} ${dtype} [${i},${j}] not finite`);
          const e = ref[kind].all.m[i][j];
          // Where torchvision divides 0 by 0 our defined value is the plain-number one.
          close(got.m[i][j], e ?? iou(a[i], b[j], kind), tol, `${kind} ${dtype} [${i},${j}]`);
          if (e !== null) compared++;
        }
      }
      // Gradients are finite everywhere, degenerate boxes included.
      for (const g of [got.ga, got.gb]) g.flat().forEach((v, i) => assert.ok(Number.isFinite(v), `${kind} ${dtype} gradient ${i} = ${v}`));
    }
    // On the random boxes, gradients equal torchvision's.
    const r = ours(ra, rb, kind, 'float64');
    for (const [g, e] of [[r.ga, ref[kind].random.ga], [r.gb, ref[kind].random.gb]] as const) {
      g.forEach((row, i) => row.forEach((v, k) => {
        close(v, e[i][k]!, 1e-6 * Math.max(1, Math.abs(e[i][k]!)), `${kind} gradient [${i},${k}]`);
        gradsCompared++;
      }));
    }
  }
  assert.ok(compared > 4 * 2 * 40 * 30, 'most entries compared against torchvision');
  assert.equal(gradsCompared, 4 * 70 * 4, 'every random box gradient compared, for each kind');
  assert.equal(torch.memory().tensors, start);
});

test('pairedIou is the diagonal of iouMatrix and broadcasts', () => {
  const start = torch.memory().tensors;
  const a = randomSet(3, 25).concat(SPECIAL_PAIRS.map((p) => p.a));
  const b = randomSet(4, 25).concat(SPECIAL_PAIRS.map((p) => p.b));
  for (const kind of IOU_KINDS) {
    torch.tidy(() => {
      const ta = torch.tensor(a, { dtype: 'float64' }), tb = torch.tensor(b, { dtype: 'float64' });
      const diag = iouMatrix(ta, tb, kind).tolist() as number[][];
      const paired = pairedIou(ta.reshape([2, a.length / 2, 4]), tb.reshape([2, b.length / 2, 4]), kind).flatten().toArray();
      paired.forEach((v, i) => close(v, diag[i][i], 1e-12, `${kind} paired ${i}`));
      paired.forEach((v, i) => close(v, iou(a[i], b[i], kind), 1e-12, `${kind} plain ${i}`));
    });
  }
  assert.equal(torch.memory().tensors, start);
});

test('pairedIou gradients are finite on every degenerate pair', () => {
  const start = torch.memory().tensors;
  for (const kind of IOU_KINDS) {
    torch.tidy(() => {
      const a = torch.tensor(SPECIAL_PAIRS.map((p) => p.a), { requiresGrad: true });
      const b = torch.tensor(SPECIAL_PAIRS.map((p) => p.b), { requiresGrad: true });
      pairedIou(a, b, kind).sum().backward();
      for (const g of [a.grad!, b.grad!]) {
        assert.ok(g.isfinite().all().item(), `${kind}: ${g.tolist()}`);
        g.dispose();
      }
    });
  }
  assert.equal(torch.memory().tensors, start);
});

test('hand-computed values for the special geometries', () => {
  const byName = Object.fromEntries(SPECIAL_PAIRS.map((p) => [p.name, p]));
  const v = (name: string, kind: IouKind) => iou(byName[name].a, byName[name].b, kind);
  assert.equal(v('identical', 'iou'), 1);
  assert.equal(v('identical', 'ciou'), 1);
  close(v('nested', 'iou'), 400 / 2500, 1e-15, 'nested');
  assert.equal(v('disjoint', 'iou'), 0);
  // disjoint GIoU: enclosing 30x35 = 1050, union 100 + 150 = 250.
  close(v('disjoint', 'giou'), -(1050 - 250) / 1050, 1e-15, 'disjoint giou');
  assert.equal(v('touching edge', 'iou'), 0);
  close(v('partial overlap', 'iou'), 25 / 175, 1e-15, 'partial');
  // Zero-area boxes: IoU 0, never NaN (torchvision gives NaN for two points).
  assert.equal(v('identical points', 'iou'), 0);
  assert.equal(v('identical points', 'giou'), 0);
  assert.equal(v('identical points', 'ciou'), 0);
  // Two distinct points: no union, enclosing box 3x4 of area 12 with nothing in it: GIoU = 0 - 12/12.
  assert.equal(v('distinct points', 'giou'), -1);
});

test('bad input gives a clear error', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    assert.throws(() => iouMatrix(torch.zeros([3, 5]), torch.zeros([2, 4])), /shape \[N, 4\], got \[3, 5\]/);
    assert.throws(() => iouMatrix(torch.zeros([4]), torch.zeros([2, 4])), /shape \[N, 4\]/);
    assert.throws(() => iouMatrix(torch.tensor([[0, 0, NaN, 1]]), torch.zeros([2, 4])), /non-finite box coordinate at index \[0, 2\]/);
    assert.throws(() => pairedIou(torch.zeros([2, 4]), torch.zeros([2, 4]), 'xiou' as IouKind), /unknown IoU kind/);
    assert.throws(() => iou([0, 0, 1], [0, 0, 1, 1]), /expected 4 numbers/);
    assert.throws(() => iou([0, 0, NaN, 1], [0, 0, 1, 1]), /non-finite/);
  });
  assert.equal(torch.memory().tensors, start);
});
