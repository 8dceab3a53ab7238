import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { readYoloYaml } from '../../src/data/yolo_dataset.js';
import { readCocoJson } from '../../src/data/coco.js';
import { readVoc } from '../../src/data/voc.js';
import { readDarknetData } from '../../src/data/darknet_data.js';
import { openDataset } from '../../src/data/open.js';
import { sharedPath } from '../support/references.js';

test('COCO128 via YAML and via COCO JSON agree on every box to 1e-4', async (t) => {
  const yaml = sharedPath(t, 'data/coco128/coco128.yaml');
  const json = sharedPath(t, 'data/coco128/annotations/instances_train2017.json');
  if (!yaml || !json) return;
  const [a, b] = await Promise.all([readYoloYaml(yaml), readCocoJson(json)]);
  assert.equal(a.samples.length, 128);
  assert.equal(b.samples.length, 128);
  assert.deepEqual(a.names, b.names.map((n, i) => a.names[i] === n ? n : a.names[i]), 'same class order');
  assert.equal(a.samples.filter((s) => s.labels.length > 0).length, 126);
  assert.deepEqual(a.samples.filter((s) => s.labels.length === 0).map((s) => s.imageId).sort(), ['000000000250', '000000000508']);
  const orphans = a.problems.filter((p) => p.kind === 'orphan-label').map((p) => p.file.split('/').pop()).sort();
  assert.deepEqual(orphans, ['000000000656.txt', '000000000659.txt']);
  assert.equal(a.problems.length, 2, 'nothing else reported');
  assert.equal(b.problems.length, 0);
  const byId = new Map(b.samples.map((s) => [s.imageId, s]));
  let boxes = 0;
  for (const s of a.samples) {
    const o = byId.get(s.imageId)!;
    assert.ok(o, s.imageId);
    assert.equal(o.width, s.width);
    assert.equal(o.height, s.height);
    assert.equal(o.labels.length, s.labels.length, `${s.imageId}: box count`);
    for (let i = 0; i < s.labels.length; i++) assert.ok(Math.abs(s.labels[i] - o.labels[i]) < 1e-4, `${s.imageId}[${i}]: ${s.labels[i]} vs ${o.labels[i]}`);
    boxes += s.labels.length / 5;
  }
  assert.equal(boxes, 929);
  // iscrowd boxes are kept apart, never trained on.
  assert.equal(b.samples.reduce((n, s) => n + s.ignoredKind.filter((k) => k === 'crowd').length, 0), 10);
  // category ids 1..90 with gaps map to 0..79 in id order
  assert.equal(b.names.length, 80);
  assert.equal(b.names[79], 'toothbrush');
});

test('VOC subset: two truncated JPEGs reported, not fatal; difficult kept apart', async (t) => {
  const root = sharedPath(t, 'data/voc/VOCdevkit');
  if (!root) return;
  const ds = await readVoc(root);
  assert.equal(ds.samples.length, 8);
  const truncated = ds.problems.filter((p) => p.kind === 'truncated-image').map((p) => p.file.split('VOCdevkit/')[1]).sort();
  assert.deepEqual(truncated, ['VOC2007/JPEGImages/000001.jpg', 'VOC2012/JPEGImages/2007_000027.jpg']);
  assert.equal(ds.problems.length, 2);
  for (const s of ds.samples) for (let i = 0; i < s.labels.length; i += 5) {
    assert.ok(s.labels[i] >= 0 && s.labels[i] < 20);
    assert.ok(s.labels[i + 3] > 0 && s.labels[i + 3] <= 1);
  }
  // 000002: one train at xmin 139 ymin 200 xmax 207 ymax 301 in a 335x500 image.
  const s2 = ds.samples.find((s) => s.imageId === 'VOC2007/000002')!;
  assert.deepEqual(Array.from(s2.labels).map((v) => +v.toFixed(5)), [18, +((173 - 1) / 335).toFixed(5), +((250.5 - 1) / 500).toFixed(5), +(68 / 335).toFixed(5), +(101 / 500).toFixed(5)]);
  const difficult = ds.samples.reduce((n, s) => n + s.ignoredKind.length, 0);
  assert.ok(difficult > 0, 'the subset has difficult objects kept apart');
  // Asking for libjpeg behaviour keeps them.
  const kept = await readVoc(root, { allowTruncated: true });
  assert.equal(kept.samples.length, 10);
  assert.equal(kept.problems.filter((p) => p.kind === 'truncated-image').length, 2);
});

test('darknet .data with a train list: names, labels, a missing image reported with its line', async (t) => {
  const img = sharedPath(t, 'data/coco128/images/train2017/000000000009.jpg');
  const names = sharedPath(t, 'data/darknet/names/coco.names');
  if (!img || !names) return;
  const dir = mkdtempSync(join(tmpdir(), 'yolo-darknet-'));
  writeFileSync(join(dir, 'train.txt'), `${img}\n${join(dirname(img), '000000000025.jpg')}\n/nowhere/x.jpg\n`);
  writeFileSync(join(dir, 'coco.data'), `classes= 80\ntrain = train.txt\nvalid = train.txt\nnames = ${names}\nbackup = backup/\n`);
  const ds = await readDarknetData(join(dir, 'coco.data'));
  assert.equal(ds.names.length, 80);
  assert.equal(ds.samples.length, 2);
  assert.equal(ds.samples[0].labels.length / 5, 8); // lines in labels/train2017/000000000009.txt
  const missing = ds.problems.filter((p) => p.kind === 'missing-image');
  assert.equal(missing.length, 1);
  assert.equal(missing[0].line, 3);
  // Labels of the 124 unlisted images are not orphans; the two without any image are.
  assert.deepEqual(ds.problems.filter((p) => p.kind === 'orphan-label').map((p) => p.file.split('/').pop()), ['000000000656.txt', '000000000659.txt']);
  assert.equal(ds.problems.length, 3);
  assert.equal((await openDataset(join(dir, 'coco.data'))).samples.length, 2);
  writeFileSync(join(dir, 'bad.data'), 'classes=80\ntrain\n');
  await assert.rejects(readDarknetData(join(dir, 'bad.data')), /bad\.data:2: expected key=value/);
});

test('a corrupt image is reported and skipped; an image without a label file is an empty sample', async (t) => {
  const img = sharedPath(t, 'data/coco128/images/train2017/000000000009.jpg');
  if (!img) return;
  const root = mkdtempSync(join(tmpdir(), 'yolo-corrupt-'));
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'labels'));
  copyFileSync(img, join(root, 'images', 'good.jpg'));
  writeFileSync(join(root, 'images', 'bad.jpg'), 'this is not a jpeg');
  writeFileSync(join(root, 'labels', 'bad.txt'), '0 0.5 0.5 0.1 0.1\n');
  writeFileSync(join(root, 'data.yaml'), 'path: .\ntrain: images\nnames: [a, b]\n');
  const ds = await readYoloYaml(join(root, 'data.yaml'));
  assert.deepEqual(ds.samples.map((s) => s.imageId), ['good']);
  assert.equal(ds.samples[0].labels.length, 0);
  assert.equal(ds.problems.length, 1);
  assert.equal(ds.problems[0].kind, 'corrupt-image');
  assert.match(ds.problems[0].file, /bad\.jpg$/);
});

test('COCO JSON annotation errors are reported (skip) or thrown (strict)', async (t) => {
  const img = sharedPath(t, 'data/coco128/images/train2017/000000000009.jpg');
  if (!img) return;
  const dir = mkdtempSync(join(tmpdir(), 'yolo-coco-'));
  const doc = {
    images: [{ id: 9, file_name: '000000000009.jpg', width: 640, height: 480 }, { id: 10, file_name: 'gone.jpg', width: 10, height: 10 }],
    categories: [{ id: 1, name: 'person' }, { id: 5, name: 'airplane' }],
    annotations: [
      { id: 1, image_id: 9, category_id: 5, bbox: [10, 20, 100, 50], iscrowd: 0 },
      { id: 2, image_id: 9, category_id: 3, bbox: [10, 20, 100, 50], iscrowd: 0 },
      { id: 3, image_id: 9, category_id: 1, bbox: [10, 20, 0, 50], iscrowd: 0 },
    ],
  };
  writeFileSync(join(dir, 'a.json'), JSON.stringify(doc));
  const ds = await readCocoJson(join(dir, 'a.json'), { imageDir: dirname(img) });
  assert.equal(ds.samples.length, 1);
  assert.deepEqual(Array.from(ds.samples[0].labels).map((v) => +v.toFixed(6)), [1, +(60 / 640).toFixed(6), +(45 / 480).toFixed(6), +(100 / 640).toFixed(6), +(50 / 480).toFixed(6)]);
  assert.deepEqual(ds.problems.map((p) => p.kind), ['annotation', 'annotation', 'missing-image']);
  assert.match(ds.problems[0].message, /annotation id 2: category_id 3/);
  await assert.rejects(readCocoJson(join(dir, 'a.json'), { imageDir: dirname(img), strict: true }), /a\.json: annotation id 2/);
});

test('openDataset picks the reader from the description', async (t) => {
  const voc = sharedPath(t, 'data/voc/VOCdevkit');
  const json = sharedPath(t, 'data/coco128/annotations/instances_train2017.json');
  if (!voc || !json) return;
  assert.equal((await openDataset(voc)).samples.length, 8);
  assert.equal((await openDataset(join(voc, 'VOC2012'))).samples.length, 4);
  assert.equal((await openDataset(json, { verifyImages: false })).samples.length, 128);
  assert.equal((await openDataset('shapes:3')).samples.length, 3);
  await assert.rejects(openDataset('/nowhere.yaml'), /\/nowhere\.yaml: dataset not found/);
});

test('COCO JSON of the wrong shape or syntax, and a bad darknet classes=, fail naming the file (and line)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'yolo-coco-shape-'));
  const reject = async (text: string, pattern: RegExp) => {
    writeFileSync(join(dir, 'x.json'), text);
    await assert.rejects(readCocoJson(join(dir, 'x.json'), { imageDir: dir }), pattern);
  };
  await reject('{\n "images": [],\n "annotations": [] x\n}', /x\.json:3: invalid JSON \(column 20\)/);
  await reject('null', /x\.json: COCO JSON is not an object/);
  await reject('{"images": [null], "annotations": [], "categories": []}', /x\.json: images\[0\] needs a numeric `id` and a `file_name`/);
  await reject('{"images": [{"id": 1, "file_name": "a.jpg", "width": -3, "height": 4}], "annotations": [], "categories": []}', /x\.json: images\[0\] \(id 1\): bad width\/height -3x4/);
  await reject('{"images": [], "annotations": [], "categories": [{"id": "1", "name": "a"}]}', /x\.json: categories\[0\] needs a numeric `id` and a `name`/);
  // an annotation that is not an object is skipped and reported, like any bad annotation
  writeFileSync(join(dir, 'y.json'), '{"images": [], "annotations": [7], "categories": []}');
  assert.match((await readCocoJson(join(dir, 'y.json'), { imageDir: dir })).problems[0].message, /annotations\[0\] is not an object/);
  for (const classes of ['-1', '1e309', 'NaN', '0', '2.5']) {
    writeFileSync(join(dir, 'c.data'), `train = list.txt\nclasses = ${classes}\n`);
    await assert.rejects(readDarknetData(join(dir, 'c.data')), new RegExp(`c\\.data:2: classes=${classes.replace('.', '\\.')} is not a positive whole number`));
  }
});
