// COCO results interop: what `yolov3 val` evaluates (the dataset's ground
// truth as originalFrameBatches gives it, evaluateCoco) equals the
// pycocotools-rules reference (test/eval/reference/cocoeval_ref.py) run on
// COCO's own annotation file and the results file val saves, to 1e-4 on all
// twelve numbers and per-class AP. The detections are COCO128's objects,
// jittered, missed and duplicated by a seeded generator, so AP is far from
// 0 and 1 and every rule (crowds, area ranges, the two images without
// objects) shows in the numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { openDataset, type Dataset } from '../../src/data/index.js';
import { originalFrameBatches } from '../../src/val/eval_inputs.js';
import { evaluateCoco, resultIds, toCocoResults, COCO_STAT_NAMES, type CocoDataset, type CocoResultEntry, type EvalDetection, type GroundTruth } from '../../src/eval/index.js';
import { hasPython, runPython, sharedPath, REPO_ROOT } from '../support/references.js';

const REFERENCE = readFileSync(join(REPO_ROOT, 'test', 'eval', 'reference', 'cocoeval_ref.py'), 'utf8');

/** The ground truth val compares with, and the image ids it evaluates. */
async function valTruth(ds: Dataset): Promise<{ truth: GroundTruth[]; imageIds: string[] }> {
  const truth: GroundTruth[] = [];
  const imageIds: string[] = [];
  for await (const b of originalFrameBatches(ds, { size: 32, resize: 'letterbox', batchSize: 16 })) {
    truth.push(...b.truth);
    imageIds.push(...b.imageIds);
    b.dispose();
  }
  return { truth, imageIds };
}

/** Seeded detections near the (non-crowd) objects: 80% found, 5% wrong class, 30% with a shifted duplicate. */
function jittered(truth: readonly GroundTruth[]): EvalDetection[] {
  let a = 7;
  const r = () => (a = (a * 1664525 + 1013904223) >>> 0) / 4294967296;
  const dets: EvalDetection[] = [];
  for (const g of truth) {
    if (g.iscrowd || r() < 0.2) continue;
    const [x1, y1, x2, y2] = g.box;
    const w = x2 - x1, h = y2 - y1;
    const x = x1 + (r() - 0.5) * w * 0.3, y = y1 + (r() - 0.5) * h * 0.3;
    dets.push({ imageId: g.imageId, category: r() < 0.95 ? g.category : 0, box: [x, y, x + w * (0.8 + r() * 0.4), y + h * (0.8 + r() * 0.4)], score: r() });
    if (r() < 0.3) dets.push({ imageId: g.imageId, category: g.category, box: [x1 + w * 0.3, y1, x2 + w * 0.3, y2], score: r() * 0.5 });
  }
  return dets;
}

function assertIdsExist(results: CocoResultEntry[], ann: CocoDataset): void {
  const images = new Set(ann.images.map((i) => i.id));
  const cats = new Set(ann.categories.map((c) => c.id));
  const strayImage = results.find((d) => !images.has(d.image_id));
  const strayCat = results.find((d) => !cats.has(d.category_id));
  assert.equal(strayImage, undefined, `image_id ${strayImage?.image_id} is not in the annotation file`);
  assert.equal(strayCat, undefined, `category_id ${strayCat?.category_id} is not in the annotation file`);
}

async function compare(spec: string, ann: CocoDataset, expectTruth: number): Promise<void> {
  const ds = await openDataset(spec, { split: 'train' });
  const start = torch.memory().tensors;
  const { truth, imageIds } = await valTruth(ds);
  assert.equal(torch.memory().tensors, start);
  assert.equal(imageIds.length, 128);
  assert.equal(truth.length, expectTruth);
  const dets = jittered(truth);
  const ours = evaluateCoco(truth, dets, { imageIds });
  assert.ok(ours.stats.AP > 0.2 && ours.stats.AP < 0.4 && ours.stats.APm > 0.2, `a useful case: AP ${ours.stats.AP}, APm ${ours.stats.APm}`);
  const results = toCocoResults(dets, { ids: resultIds(ds) });
  assertIdsExist(results, ann);
  const ref = runPython<{ stats: number[]; per_class_ap: Record<string, number> }>(REFERENCE, { dataset: ann, results });
  COCO_STAT_NAMES.forEach((name, i) => {
    assert.ok(Math.abs(ours.statsArray[i] - ref.stats[i]) <= 1e-4, `${spec}: ${name} ${ours.statsArray[i]} vs reference ${ref.stats[i]}`);
  });
  const ids = resultIds(ds);
  for (const pc of ours.perClass) {
    const r = ref.per_class_ap[String(ids.category(pc.category))];
    assert.ok(Math.abs(pc.ap - r) <= 1e-4, `${spec}: class ${pc.category} AP ${pc.ap} vs reference ${r}`);
  }
}

const ANN = 'data/coco128/annotations/instances_train2017.json';

test("COCO JSON data: val's numbers equal the reference on COCO's annotation file and the saved ids", async (t) => {
  const path = sharedPath(t, ANN);
  if (!path || !hasPython(t, 'numpy')) return;
  const ann = JSON.parse(readFileSync(path, 'utf8')) as CocoDataset;
  assert.equal(ann.annotations.filter((a) => a.iscrowd).length, 10); // kept as crowds: detections on them neither right nor wrong
  await compare(path, ann, ann.annotations.length);
});

test('YOLO-labelled COCO128 (yaml): integer image ids and COCO 1..90 ids; equal to the reference on the same objects', async (t) => {
  const path = sharedPath(t, ANN);
  const yaml = sharedPath(t, 'data/coco128/coco128.yaml');
  if (!path || !yaml || !hasPython(t, 'numpy')) return;
  const ann = JSON.parse(readFileSync(path, 'utf8')) as CocoDataset;
  // The YOLO labels are COCO's objects without the 10 crowds and without the
  // segments' areas (a box has only its own): the reference gets the same.
  const same: CocoDataset = { ...ann, annotations: ann.annotations.filter((a) => !a.iscrowd).map((a) => ({ ...a, area: a.bbox[2] * a.bbox[3] })) };
  await compare(yaml, same, ann.annotations.length - 10);
});
