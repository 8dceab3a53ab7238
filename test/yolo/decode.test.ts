// The head decoder from its formula (darknet's get_yolo_box): hand-computed
// boxes in pixels and in grid units, scale_x_y, the positives' boxes
// relative to their cell, and the formula on random raw outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { decodeHead, decodeBoxes, gatherPositives, type YoloScale } from '../../src/yolo/index.js';

function close(values: ArrayLike<number>, expected: number[], what: string, tol = 1e-6) {
  const actual = Array.from(values);
  assert.equal(actual.length, expected.length, what);
  actual.forEach((v, c) => assert.ok(Math.abs(v - expected[c]) <= tol * Math.max(1, Math.abs(expected[c])), `${what}[${c}]: ${v}, expected ${expected[c]}`));
}

// A 2-row, 3-column head on a 30 x 40 px input (stride 10 across, 20 down),
// two anchors, one class. All raw outputs 0 except at anchor 1, row 1,
// column 2: tx = ty = 0, tw = ln 2, th = ln 0.5, objectness 0, class ln 3.
const SCALE: YoloScale = { anchors: [[5, 8], [12, 4]], stride: [10, 20] };
function rawHead(tx = 0): torch.Tensor {
  const data = new Float32Array(1 * 2 * 2 * 3 * 6);
  data.set([tx, 0, Math.log(2), Math.log(0.5), 0, Math.log(3)], ((1 * 2 + 1) * 3 + 2) * 6);
  return torch.tensor(data, { shape: [1, 2, 2, 3, 6] });
}
const ROW = (1 * 2 + 1) * 3 + 2; // (a·h + j)·w + i in [B, na·h·w]

test('decodeHead: hand-computed boxes in input pixels, sigmoid scores', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const out = decodeHead(rawHead(), SCALE);
    assert.deepEqual(out.shape, [1, 12, 6]);
    // centre ((2 + .5)·10, (1 + .5)·20), size (12·2, 4·.5), sigmoid(0), sigmoid(ln 3) = 3/4
    close(out.index(0, ROW).toArray(), [25, 30, 24, 2, 0.5, 0.75], 'a1 j1 i2');
    // anchor 0, row 0, column 1: every raw output 0: centre of the cell, the anchor's size
    close(out.index(0, 1).toArray(), [15, 10, 5, 8, 0.5, 0.5], 'a0 j0 i1');
  });
  assert.equal(torch.memory().tensors, start);
});

test('decodeBoxes: the same boxes in grid units (anchors / stride), and in pixels', () => {
  torch.tidy(() => {
    const raw = rawHead();
    const grid = decodeBoxes(raw, SCALE, 'grid');
    assert.deepEqual(grid.shape, [1, 2, 2, 3, 4]);
    // centre (2.5, 1.5) cells; size (12/10 · 2, 4/20 · .5)
    close(grid.index(0, 1, 1, 2).toArray(), [2.5, 1.5, 2.4, 0.1], 'grid');
    close(decodeBoxes(raw, SCALE, 'pixels').index(0, 1, 1, 2).toArray(), [25, 30, 24, 2], 'pixels');
  });
});

test("scale_x_y stretches the offset about the cell's centre: sigmoid(t)·s − (s − 1)/2", () => {
  torch.tidy(() => {
    const raw = rawHead(Math.log(3)); // sigmoid(tx) = .75
    const stretched = Array.from(decodeBoxes(raw, { ...SCALE, scaleXY: 2 }, 'grid').index(0, 1, 1, 2).toArray());
    // x: .75·2 − .5 = 1 → 2 + 1; y: t = 0 stays at the centre, .5·2 − .5 = .5 → 1 + .5
    close(stretched.slice(0, 2), [3, 1.5], 'scaleXY 2');
    close(Array.from(decodeBoxes(raw, SCALE, 'grid').index(0, 1, 1, 2).toArray()).slice(0, 2), [2.75, 1.5], 'scaleXY 1');
  });
});

test("gatherPositives: the assigned prediction's box relative to its cell, grid units", () => {
  torch.tidy(() => {
    const raw = rawHead();
    // The label (x .9, y .6, w .5, h .25) of image 0 in cell (i 2, j 1), anchor 1.
    const labels = torch.tensor([[0, 0.9, 0.6, 0.5, 0.25, 0]]);
    const p = gatherPositives([raw], labels, { s: [0], n: [0], b: [0], a: [1], i: [2], j: [1] }, [SCALE])!;
    close(p.pbox.toArray(), [0.5, 0.5, 2.4, 0.1], 'pbox');
    // (.9·3 − 2, .6·2 − 1, .5·3, .25·2)
    close(p.tbox.toArray(), [0.7, 0.2, 1.5, 0.5], 'tbox');
    close(p.clsLogits.toArray(), [Math.log(3)], 'class logit');
  });
});

test('decodeHead: the formula on random raw outputs, scale_x_y 1 and 2', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    torch.manualSeed(0);
    const anchors: [number, number][] = [[10, 20], [30, 40]];
    const raw = torch.randn([1, 2, 3, 4, 6]); // h=3, w=4 on a 64 x 48 input: stride 16
    const out = decodeHead(raw, { anchors, stride: 16 });
    assert.deepEqual(out.shape, [1, 24, 6]);
    const r = raw.toArray();
    const o = out.toArray();
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    for (const [a, i, j] of [[0, 0, 0], [1, 2, 3], [1, 1, 2]]) {
      const k = ((a * 3 + i) * 4 + j) * 6;
      const want = [(j + sig(r[k])) * 16, (i + sig(r[k + 1])) * 16, Math.exp(r[k + 2]) * anchors[a][0], Math.exp(r[k + 3]) * anchors[a][1], sig(r[k + 4]), sig(r[k + 5])];
      want.forEach((v, c) => assert.ok(Math.abs(o[k + c] - v) < 1e-4 * Math.max(1, Math.abs(v)), `a${a} i${i} j${j} c${c}: ${o[k + c]} vs ${v}`));
    }
    const stretched = decodeHead(raw, { anchors, stride: 16, scaleXY: 2 }).toArray();
    assert.ok(Math.abs(stretched[0] - (sig(r[0]) * 2 - 0.5) * 16) < 1e-4);
  });
  assert.equal(torch.memory().tensors, start);
});
