// COCO mAP against hand-worked numbers (coco_fixtures.ts) and against an
// independent re-implementation of pycocotools (reference/cocoeval_ref.py),
// to 1e-4 on every one of the 12 summary numbers and per-class AP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateCocoJson, evaluateCoco, COCO_STAT_NAMES, type CocoDataset, type CocoResultEntry } from '../../src/eval/index.js';
import { hasPython, runPython, sharedPath, REPO_ROOT } from '../support/references.js';
import { COCO_CASES, randomCase, type CocoCase } from './coco_fixtures.js';

const REFERENCE = readFileSync(join(REPO_ROOT, 'test', 'eval', 'reference', 'cocoeval_ref.py'), 'utf8');
const reference = (c: { dataset: CocoDataset; results: CocoResultEntry[] }) =>
  runPython<{ stats: number[]; per_class_ap: Record<string, number> }>(REFERENCE, c);

function compareWithReference(c: CocoCase): void {
  const ours = evaluateCocoJson(c.dataset, c.results);
  const ref = reference(c);
  COCO_STAT_NAMES.forEach((name, i) => {
    assert.ok(Math.abs(ours.statsArray[i] - ref.stats[i]) <= 1e-4, `${c.name}: ${name} ${ours.statsArray[i]} vs reference ${ref.stats[i]}`);
  });
  for (const pc of ours.perClass) {
    const r = ref.per_class_ap[String(pc.category)];
    assert.ok(Math.abs(pc.ap - r) <= 1e-4, `${c.name}: class ${pc.category} AP ${pc.ap} vs reference ${r}`);
  }
}

for (const c of COCO_CASES) {
  test(`COCO case '${c.name}': hand-worked numbers`, () => {
    const ours = evaluateCocoJson(c.dataset, c.results);
    for (const [name, value] of Object.entries(c.expected)) {
      const got = ours.stats[name as keyof typeof ours.stats];
      assert.ok(Math.abs(got - value) <= 1e-4, `${name}: ${got}, expected ${value} (${c.why})`);
    }
  });
  test(`COCO case '${c.name}': equals the pycocotools reference`, (t) => {
    if (hasPython(t, 'numpy')) compareWithReference(c);
  });
}

test('COCO on seeded random cases (crowds, ties, strays, empty image) equals the reference', (t) => {
  if (!hasPython(t, 'numpy')) return;
  for (const seed of [1, 2, 3, 4, 5]) compareWithReference(randomCase(seed));
});

test('COCO on coco128 ground truth with jittered detections equals the reference', (t) => {
  const path = sharedPath(t, 'data/coco128/annotations/instances_train2017.json');
  if (!path || !hasPython(t, 'numpy')) return;
  const ds = JSON.parse(readFileSync(path, 'utf8')) as CocoDataset;
  let a = 7;
  const r = () => ((a = (a * 1664525 + 1013904223) >>> 0) / 4294967296);
  const results: CocoResultEntry[] = [];
  for (const ann of ds.annotations) {
    if (r() < 0.2) continue; // missed
    const [x, y, w, h] = ann.bbox;
    results.push({ image_id: ann.image_id, category_id: r() < 0.95 ? ann.category_id : 1, bbox: [x + (r() - 0.5) * w * 0.3, y + (r() - 0.5) * h * 0.3, w * (0.8 + r() * 0.4), h * (0.8 + r() * 0.4)], score: r() });
    if (r() < 0.3) results.push({ image_id: ann.image_id, category_id: ann.category_id, bbox: [x + w * 0.3, y, w, h], score: r() * 0.5 });
  }
  assert.equal(ds.annotations.filter((x) => x.iscrowd).length, 10);
  compareWithReference({ name: 'coco128', why: '', dataset: ds, results, expected: {} });
});

test('evaluateCoco reports per-class results and rejects bad input', () => {
  const r = evaluateCoco(
    [{ imageId: 1, box: [0, 0, 10, 10], category: 3 }],
    [{ imageId: 1, box: [0, 0, 10, 10], category: 3, score: 0.5 }],
  );
  // pycocotools' precision is tp / (tp + fp + eps), so "1" is 1 - 2e-16.
  assert.ok(Math.abs(r.stats.AP - 1) < 1e-12);
  assert.deepEqual(r.perClass.map((p) => [p.category, Math.round(p.ap), p.nGt, p.nDet]), [[3, 1, 1, 1]]);
  assert.equal(r.perClass[0].precision50.length, 101);
  assert.throws(() => evaluateCoco([{ imageId: 1, box: [0, 0, NaN, 1], category: 1 }], []), /groundTruth\[0\]: box must be 4 finite numbers/);
  assert.throws(() => evaluateCoco([], [{ imageId: 1, box: [5, 0, 1, 1], category: 1, score: 1 }]), /x2 < x1/);
  const ds: CocoDataset = { images: [{ id: 1 }], annotations: [], categories: [{ id: 1 }] };
  assert.throws(() => evaluateCocoJson(ds, [{ image_id: 2, category_id: 1, bbox: [0, 0, 1, 1], score: 1 }]), /image_id 2, which is not in the dataset/);
  assert.throws(() => evaluateCocoJson(ds, [{ image_id: 1, category_id: 1, bbox: [0, 0, 1], score: 1 }]), /bbox must be \[x, y, w, h\]/);
});

test('images are ordered as pycocotools sorts ids: numbers first, then file stems', () => {
  // Equal scores on two images: the detection of the image that sorts first is counted first.
  // Image 2 (a number) sorts before 'a': TP then FP, precision 1 at recall 1, AP 1.
  // Had 'a' come first: FP then TP, precision 1/2 at recall 1, AP .5.
  const r = evaluateCoco(
    [{ imageId: 2, box: [0, 0, 10, 10], category: 1 }],
    [{ imageId: 'a', box: [0, 0, 10, 10], category: 1, score: 0.5 }, { imageId: 2, box: [0, 0, 10, 10], category: 1, score: 0.5 }],
  );
  assert.deepEqual(r.imageIds, [2, 'a']);
  assert.ok(Math.abs(r.stats.AP - 1) < 1e-9, `${r.stats.AP}`);
});
