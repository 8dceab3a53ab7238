// decodeHeads: the native yolo::decode_head_into against decodeHead's aten
// ops (the same rows; x, y, objectness and classes bit for bit, w and h
// within an ulp: glibc's exp against aten's vectorised one), against the
// formula computed by hand in double, the fallbacks (float64, autograd),
// and its errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { decodeHead, decodeHeads, type YoloScale } from '../../src/yolo/index.js';

const SCALES: YoloScale[] = [
  { anchors: [[10, 13], [16, 30], [33, 23]], stride: [32, 30], scaleXY: 1.05 },
  { anchors: [[3, 4], [5, 6]], stride: 16 },
];
const heads = (): torch.Tensor[] => [torch.randn([2, 3, 5, 7, 9]).mul(3), torch.randn([2, 2, 10, 14, 9])];
/** Whether two tensors hold the same values, element for element (no NaN here). */
const same = (a: torch.Tensor, b: torch.Tensor): boolean => a.eq(b).float().mean().item() === 1;
const composed = (raws: torch.Tensor[], scales: YoloScale[]): torch.Tensor => torch.cat(raws.map((r, i) => decodeHead(r, scales[i])), 1);

test('decodeHeads natively: decodeHead\'s values, the box centres and scores bit for bit, sizes within an ulp', { skip: !torch.hasOp('yolo::decode_head_into') && 'the addon has no yolo::decode_head_into' }, () => {
  const start = torch.memory().tensors;
  torch.manualSeed(3);
  torch.tidy(() => {
    const raws = heads();
    const a = decodeHeads(raws, SCALES);
    const b = composed(raws, SCALES);
    assert.deepEqual(a.shape, [2, 3 * 5 * 7 + 2 * 10 * 14, 9]);
    for (const c of [0, 1, 4, 5, 6, 7, 8]) assert.ok(same(a.select(2, c), b.select(2, c)), `column ${c} differs`);
    const wh = a.slice(2, 2, 4).sub(b.slice(2, 2, 4)).abs().div(b.slice(2, 2, 4).abs()).max().item() as number;
    assert.ok(wh <= 2 ** -22, `w, h relative difference ${wh}`); // the exp's ulp, and the product's
  });
  assert.equal(torch.memory().tensors, start);
});

test('decodeHeads: one prediction from the formula, in double', () => {
  torch.tidy(() => {
    torch.manualSeed(4);
    const raws = heads();
    const decoded = decodeHeads(raws, SCALES);
    const out = decoded.toArray() as number[];
    const [, n, k] = decoded.shape;
    const sig = (t: number) => 1 / (1 + Math.exp(-t));
    // head 0, image 1, anchor 2, row 3, column 5; head 1, image 0, anchor 1, row 9, column 13
    for (const [h, b, a, y, x] of [[0, 1, 2, 3, 5], [1, 0, 1, 9, 13]]) {
      const s = SCALES[h].scaleXY ?? 1;
      const [sx, sy] = typeof SCALES[h].stride === 'number' ? [SCALES[h].stride, SCALES[h].stride] as number[] : SCALES[h].stride as number[];
      const [, na, gh, gw] = raws[h].shape;
      const row = (h === 0 ? 0 : 3 * 5 * 7) + (a * gh + y) * gw + x;
      const at = (((b * na + a) * gh + y) * gw + x) * k;
      const t = (raws[h].toArray() as number[]).slice(at, at + k);
      assert.equal(na, SCALES[h].anchors.length);
      const expected = [(sig(t[0]) * s - (s - 1) / 2 + x) * sx, (sig(t[1]) * s - (s - 1) / 2 + y) * sy,
        Math.exp(t[2]) * SCALES[h].anchors[a][0], Math.exp(t[3]) * SCALES[h].anchors[a][1], ...t.slice(4).map(sig)];
      out.slice((b * n + row) * k, (b * n + row + 1) * k).forEach((v, c) => assert.ok(Math.abs(v - expected[c]) <= 1e-6 * Math.max(1, Math.abs(expected[c])), `head ${h} row ${row} column ${c}: ${v}, expected ${expected[c]}`));
    }
  });
});

test('decodeHeads: float64 heads and heads on the autograd graph take decodeHead\'s path', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    torch.manualSeed(5);
    const raws = heads().map((r) => r.to('float64'));
    assert.ok(same(decodeHeads(raws, SCALES), composed(raws, SCALES)), 'float64');
    // an eval model's predict with autograd on: heads on the graph, which aten's sigmoid_out refuses
    const graph = [torch.randn([1, 2, 3, 3, 7]).requiresGrad_(true).mul(2)];
    assert.ok(same(decodeHeads(graph, [SCALES[1]]), composed(graph, [SCALES[1]])), 'heads on the autograd graph');
  });
  assert.equal(torch.memory().tensors, start);
});

test('decodeHeads refuses heads that disagree, and the op wrong shapes, naming the problem', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    assert.throws(() => decodeHeads([torch.zeros([1, 3, 2, 2, 9])], SCALES), /1 heads but 2 scales/);
    assert.throws(() => decodeHeads([torch.zeros([1, 3, 2, 2, 9]), torch.zeros([2, 2, 2, 2, 9])], SCALES), /head 1 is \[2,2,2,2,9\].*expected \[1, na, h, w, 9\]/);
    if (!torch.hasOp('yolo::decode_head_into')) return;
    const out = torch.empty([1, 12, 9]);
    assert.throws(() => torch.op('yolo::decode_head_into', torch.zeros([1, 3, 2, 2]), out, [1, 1, 1, 1, 1, 1], 8, 8, 1), /raw must be \[B, na, h, w, k >= 5\]/);
    assert.throws(() => torch.op('yolo::decode_head_into', torch.zeros([1, 3, 2, 2, 9]), torch.empty([1, 11, 9]), [1, 1, 1, 1, 1, 1], 8, 8, 1), /out must be \[1, 12, 9\]/);
    assert.throws(() => torch.op('yolo::decode_head_into', torch.zeros([1, 3, 2, 2, 9]), out, [1, 1], 8, 8, 1), /expected 6 anchor values/);
  });
  assert.equal(torch.memory().tensors, start);
});
