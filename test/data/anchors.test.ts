// Anchors from box sizes: the fit figures on hand-computed cases, k-means
// recovering clusters laid out by hand, the evolution's seeding, the
// letterbox scaling of label sizes, and on COCO128 new anchors that fit its
// labels better than the stock yolov3.cfg anchors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDataset, type Dataset } from '../../src/data/index.js';
import { anchorFit, anchorFitness, anchorWarning, evolveAnchors, fitAnchors, formatAnchors, kmeansAnchors, labelSizes, whIou, type Anchor } from '../../src/data/anchors.js';
import { sharedPath } from '../support/references.js';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('whIou and anchorFit by hand', () => {
  close(whIou(10, 10, 20, 10), 0.5); // 100 / (100 + 200 - 100)
  close(whIou(10, 40, 40, 10), 100 / 700);
  // labels 10x10 and 50x10; anchors 20x10 and 12x12
  const wh = Float64Array.from([10, 10, 50, 10]);
  const f = anchorFit(wh, [[20, 10], [12, 12]]);
  // 10x10: IoU 0.5 with 20x10, 100/144 with 12x12; ratios 0.5 and 10/12: both past 1/4
  // 50x10: IoU 200/500 with 20x10, 120/(500+144-120) with 12x12; ratios min(20/50, 1) = 0.4 and 12/50 = 0.24 (< 0.25)
  close(f.meanIou, (100 / 144 + 0.4) / 2);
  close(f.bpr, 1);
  close(f.anchorsPerLabel, 3 / 2);
  assert.equal(anchorFit(Float64Array.from([100, 10]), [[10, 10]]).bpr, 0); // 10/100 < 1/4
  // fitness: best ratio where past 1/4: (10/12 + 0.4) / 2
  close(anchorFitness(wh, [[20, 10], [12, 12]]), (10 / 12 + 0.4) / 2);
});

/** Boxes around given centres, ±10% in each side, seeded. */
function clusters(centres: Anchor[], each: number): Float64Array {
  let a = 11;
  const r = () => (a = (a * 1664525 + 1013904223) >>> 0) / 4294967296;
  const out: number[] = [];
  for (const [w, h] of centres) for (let i = 0; i < each; i++) out.push(w * (0.9 + 0.2 * r()), h * (0.9 + 0.2 * r()));
  return Float64Array.from(out);
}

test('k-means (1 - IoU) recovers hand-made clusters; the evolution keeps them and is seeded', () => {
  const truth: Anchor[] = [[12, 8], [30, 60], [80, 40], [200, 180]]; // by area: 96, 1800, 3200, 36000
  const wh = clusters(truth, 50);
  const k = kmeansAnchors(wh, 4, { seed: 1 });
  k.forEach(([w, h], i) => {
    assert.ok(Math.abs(w / truth[i][0] - 1) < 0.03 && Math.abs(h / truth[i][1] - 1) < 0.03, `anchor ${i}: ${w}x${h} vs ${truth[i]}`);
  });
  assert.ok(anchorFit(wh, k).meanIou > 0.85);
  const evolved = fitAnchors(wh, 4, { seed: 1, generations: 300 });
  assert.deepEqual(evolved, fitAnchors(wh, 4, { seed: 1, generations: 300 })); // deterministic
  assert.ok(anchorFit(wh, evolved).bpr === 1 && anchorFit(wh, evolved).meanIou > 0.8);
  assert.ok(anchorFitness(wh, evolveAnchors(wh, k, { seed: 2, generations: 200 })) >= anchorFitness(wh, k), 'evolution only accepts a better fitness');
  assert.equal(formatAnchors([[12, 8], [30.4, 59.6]]), 'anchors=12,8, 30,60');
  assert.throws(() => kmeansAnchors(wh.subarray(0, 4), 3), /2 boxes cannot make 3 anchors/);
});

test('label sizes are scaled as the letterbox scales the image: longer side to img-size', () => {
  const sample = (width: number, height: number, w: number, h: number) => ({
    imageId: 'x', imagePath: 'x.jpg', source: { kind: 'file' as const, path: 'x.jpg' }, width, height,
    labels: Float32Array.from([0, 0.5, 0.5, w, h]), ignored: new Float32Array(0), ignoredKind: [],
  });
  const ds: Dataset = { origin: 'hand', names: ['a'], problems: [], samples: [sample(640, 480, 0.5, 0.25), sample(100, 200, 1, 0.5)] };
  // 640x480 -> 416x312: 0.5*416, 0.25*312; 100x200 -> 208x416: 1*208, 0.5*416
  assert.deepEqual([...labelSizes(ds, 416)].map((v) => Math.round(v * 1e4) / 1e4), [208, 78, 208, 208]);
  assert.equal(anchorWarning(ds, [[208, 78], [208, 208]], 416), null);
  assert.match(anchorWarning(ds, [[10, 10]], 416) ?? '', /^warning: the cfg's anchors reach 0\.0% of the 2 training labels at 416 px \(best possible recall 0\.0000 < 0\.98, ratio 4\)/);
});

test('COCO128: anchors fitted to its labels have a higher mean IoU than the stock yolov3 anchors', async (t) => {
  const yaml = sharedPath(t, 'data/coco128/coco128.yaml');
  if (!yaml) return;
  const wh = labelSizes(await openDataset(yaml, { split: 'train' }), 416);
  assert.equal(wh.length / 2, 929);
  // ../shared/data/darknet/cfg/yolov3.cfg's anchors
  const stock: Anchor[] = [[10, 13], [16, 30], [33, 23], [30, 61], [62, 45], [59, 119], [116, 90], [156, 198], [373, 326]];
  const ours = fitAnchors(wh, 9, { seed: 0, generations: 300 });
  const a = anchorFit(wh, ours), b = anchorFit(wh, stock);
  t.diagnostic(`${formatAnchors(ours)}: IoU ${a.meanIou.toFixed(4)} BPR ${a.bpr.toFixed(4)}; stock IoU ${b.meanIou.toFixed(4)} BPR ${b.bpr.toFixed(4)}`);
  assert.ok(a.meanIou > b.meanIou, `new mean IoU ${a.meanIou} vs stock ${b.meanIou}`);
  assert.ok(a.bpr >= b.bpr, `new BPR ${a.bpr} vs stock ${b.bpr}`);
  assert.ok(ours.every(([w, h], i) => i === 0 || w * h >= ours[i - 1][0] * ours[i - 1][1]), 'sorted by area');
});
