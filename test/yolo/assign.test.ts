// The (s, n, b, a, i, j) indices on a hand-made case. Expected values were
// worked out by hand (in the comments), not produced by the code under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { assignAnchors, yoloLoss, type Assignment, type YoloScale } from '../../src/yolo/index.js';

// A 128x128 input with yolov3's anchors, heads in cfg order (stride 32 first).
const SCALES: YoloScale[] = [
  { anchors: [[116, 90], [156, 198], [373, 326]], stride: 32 }, // 4x4
  { anchors: [[30, 61], [62, 45], [59, 119]], stride: 16 }, // 8x8
  { anchors: [[10, 13], [16, 30], [33, 23]], stride: 8 }, // 16x16
];
const GRIDS = [{ h: 4, w: 4 }, { h: 8, w: 8 }, { h: 16, w: 16 }];

const LABELS = [
  // L0: 32x64 px at (64, 32).
  //  ratio s0: 116x90 |32/116-1|+|64/90-1| = .724+.289 = 1.013 (others 1.47, 1.72) -> a0, cell (i 2, j 1)
  //        s1: 30x61 .067+.049 = .116 (others .91, .92) -> a0, cell (4, 2)
  //        s2: 33x23 .030+1.783 = 1.813 < 2 (others 6.1, 2.13) -> a2, cell (8, 4)
  //  best-iou: 30x61 has IoU 1830/2048 = .894 (next 62x45 .424) -> s1 a0, cell (4, 2)
  [0, 0.5, 0.25, 0.25, 0.5, 1],
  // L1: 115.2x102.4 px at (115.2, 76.8) in image 1.
  //  ratio s0: 116x90 .007+.138 = .145 -> a0, cell (3, 2)
  //        s1: 59x119 .953+.139 = 1.092 (62x45 2.13, 30x61 3.52) -> a2, cell (7, 4)
  //        s2: best 33x23 2.49+3.45 = 5.94 >= 2 -> none
  //  best-iou: 116x90 10368/11868 = .874 (next 59x119 .473) -> s0 a0, cell (3, 2)
  [1, 0.9, 0.6, 0.9, 0.8, 0],
  // L2: 6.4x12.8 px at the right edge (x = 1 -> column w, clamped to w-1), top row.
  //  ratio s0: 116x90 .945+.858 = 1.803 (<2: the series' loose threshold) -> a0, cell (3, 0)
  //        s1: 30x61 .787+.790 = 1.577 (62x45 1.61) -> a0, cell (7, 0)
  //        s2: 10x13 .360+.015 = .375 -> a0, cell (15, 0)
  //  best-iou: 10x13 81.92/130 = .630 -> s2 a0, cell (15, 0)
  [0, 1.0, 0.0, 0.05, 0.1, 2],
];

function rows(asg: Assignment): number[][] {
  return asg.s.map((_, k) => [asg.s[k], asg.n[k], asg.b[k], asg.a[k], asg.i[k], asg.j[k]]);
}

const input = { data: Float32Array.from(LABELS.flat()), count: LABELS.length, float32: true };

test("'ratio' assigns per scale, below the threshold, sorted by scale then label", () => {
  // [s, n, b, a, i, j]
  assert.deepEqual(rows(assignAnchors(input, GRIDS, SCALES, 'ratio', 2)), [
    [0, 0, 0, 0, 2, 1], [0, 1, 1, 0, 3, 2], [0, 2, 0, 0, 3, 0],
    [1, 0, 0, 0, 4, 2], [1, 1, 1, 2, 7, 4], [1, 2, 0, 0, 7, 0],
    [2, 0, 0, 2, 8, 4], [2, 2, 0, 0, 15, 0],
  ]);
  // A tighter threshold drops L0 at s0 (1.013), L0 at s2 (1.813), L1 at s1 (1.092) and L2 at s0, s1.
  assert.deepEqual(rows(assignAnchors(input, GRIDS, SCALES, 'ratio', 1)), [
    [0, 1, 1, 0, 3, 2], [1, 0, 0, 0, 4, 2], [2, 2, 0, 0, 15, 0],
  ]);
});

test("'best-iou' assigns exactly one anchor of all scales per label", () => {
  assert.deepEqual(rows(assignAnchors(input, GRIDS, SCALES, 'best-iou', 2)), [
    [0, 1, 1, 0, 3, 2], [1, 0, 0, 0, 4, 2], [2, 2, 0, 0, 15, 0],
  ]);
});

test("'pred-iou' takes per scale the anchor of the best given IoU, then the best scale, first on ties", () => {
  // [scale][label][anchor], made up by hand:
  //  L0: s0 best a1 (.5, first of the tie with a2), s1 best a0 (.5), s2 .4 -> tie .5 between s0 and s1: s0 a1
  //  L1: s2 a2 (.9) beats s0 (.3) and s1 (.2) -> s2 a2, cell (i 14, j 9) of the 16x16 grid
  //  L2: all 0 -> s0 a0 (torch.max's first maximum at both levels), cell (3, 0)
  const ious = [
    [[0.2, 0.5, 0.5], [0.3, 0.1, 0], [0, 0, 0]],
    [[0.5, 0.1, 0], [0.2, 0.2, 0.1], [0, 0, 0]],
    [[0.4, 0.1, 0.4], [0.1, 0.3, 0.9], [0, 0, 0]],
  ];
  assert.deepEqual(rows(assignAnchors(input, GRIDS, SCALES, 'pred-iou', 2, ious)), [
    [0, 0, 0, 1, 2, 1], [0, 2, 0, 0, 3, 0], [2, 1, 1, 2, 14, 9],
  ]);
  assert.throws(() => assignAnchors(input, GRIDS, SCALES, 'pred-iou', 2), /'pred-iou' needs the predictions' IoUs/);
});

test('the order of heads comes from the scales given, not assumed', () => {
  const reversed = [...SCALES].reverse();
  const grids = [...GRIDS].reverse();
  // Same rows as best-iou above with s mapped 0<->2, re-sorted by scale.
  assert.deepEqual(rows(assignAnchors(input, grids, reversed, 'best-iou', 2)), [
    [0, 2, 0, 0, 15, 0], [1, 0, 0, 0, 4, 2], [2, 1, 1, 0, 3, 2],
  ]);
});

test('heads implying different input sizes are refused', () => {
  assert.throws(() => assignAnchors(input, [{ h: 4, w: 4 }, { h: 4, w: 4 }, { h: 16, w: 16 }], SCALES, 'ratio', 2), /implies a 64x64 input/);
});

test('the loss trains heads[s][b, a, j, i]: box gradients only there, and only in x, y, w, h', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    torch.manualSeed(3);
    const heads = GRIDS.map((g) => torch.randn([2, 3, g.h, g.w, 8]).mul(0.3).requiresGrad_());
    const r = yoloLoss(heads, torch.tensor(LABELS), SCALES, { assign: 'best-iou', bboxLoss: 'mse' });
    r.box.backward();
    const expected = new Set(['0,1,0,2,3', '1,0,0,2,4', '2,0,0,0,15']); // s, b, a, j, i
    heads.forEach((h, s) => {
      const g = h.grad!;
      const nz = g.ne(0).nonzero().tolist() as number[][];
      const cells = new Set(nz.map(([b, a, j, i]) => `${s},${b},${a},${j},${i}`));
      const channels = new Set(nz.map((v) => v[4]));
      for (const c of cells) assert.ok(expected.has(c), `unexpected gradient at ${c}`);
      for (const c of channels) assert.ok(c < 4, `box gradient in channel ${c}`);
    });
    const seen = heads.flatMap((h, s) => (h.grad!.ne(0).nonzero().tolist() as number[][]).map(([b, a, j, i]) => `${s},${b},${a},${j},${i}`));
    assert.deepEqual(new Set(seen), expected);
  });
  assert.equal(torch.memory().tensors, start);
});
