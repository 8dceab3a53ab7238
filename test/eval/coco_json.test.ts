// COCO json in and out, image ids from file names, category ids from class names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { toCocoResults, fromCocoResults, fromCocoDataset, imageIdFromPath, categoryIdsFor, COCO_NAMES, COCO80_TO_COCO91, type CocoDataset } from '../../src/eval/index.js';
import { sharedPath } from '../support/references.js';

test('detections round-trip through the COCO results format', () => {
  const dets = [{ imageId: 9, box: [10, 20, 40, 80] as number[], score: 0.123456789, category: 18 }];
  const json = toCocoResults(dets);
  assert.deepEqual(json, [{ image_id: 9, category_id: 18, bbox: [10, 20, 30, 60], score: 0.123456789 }]);
  assert.deepEqual(fromCocoResults(JSON.parse(JSON.stringify(json))), dets);
  assert.deepEqual(toCocoResults([{ ...dets[0], box: [1.23456, 0, 2, 2] }], { decimals: 3 })[0].bbox, [1.235, 0, 0.765, 2]);
  assert.throws(() => fromCocoResults([{ image_id: 1, category_id: 1, bbox: [0, 0, NaN, 1], score: 1 }]), /bbox must be/);
});

test('image ids: numeric stems become numbers, others stay strings', () => {
  assert.equal(imageIdFromPath('/data/coco/images/000000000009.jpg'), 9);
  assert.equal(imageIdFromPath('C:\\x\\2007_000027.jpg'), '2007_000027');
  assert.equal(imageIdFromPath('dog.jpg'), 'dog');
  assert.equal(imageIdFromPath('000001'), 1);
});

test('category ids: COCO names map to 1..90, other names to their index', (t) => {
  assert.equal(COCO_NAMES.length, 80);
  assert.equal(new Set(COCO80_TO_COCO91).size, 80);
  assert.deepEqual(categoryIdsFor(['cat', 'dog']), [0, 1]);
  const names = sharedPath(t, 'data/darknet/names/coco.names');
  const ann = sharedPath(t, 'data/coco128/annotations/instances_train2017.json');
  if (!names || !ann) return;
  const darknet = readFileSync(names, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
  assert.deepEqual(categoryIdsFor(darknet), [...COCO80_TO_COCO91]);
  const ds = JSON.parse(readFileSync(ann, 'utf8')) as CocoDataset;
  // COCO's own spellings (motorcycle, couch, tv, ...) are recognised too, and the ids agree with the json.
  assert.deepEqual(categoryIdsFor(ds.categories.map((c) => c.name ?? "")), ds.categories.map((c) => c.id));
  const { groundTruth, imageIds } = fromCocoDataset(ds);
  assert.equal(imageIds.length, 128);
  assert.equal(groundTruth.filter((g) => g.iscrowd).length, 10);
  assert.equal(groundTruth.length, ds.annotations.length);
});
