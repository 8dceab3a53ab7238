// `yolov3 val --save-json` names COCO's own ids: on COCO128 every image and
// category id of the saved file is in COCO's annotation file, and the
// reference evaluator on (that file, the saved json) gives the numbers val
// printed. Random weights keep it cheap, so the numbers are near 0 here;
// test/val/coco_interop.test.ts checks the same equality with AP near 0.3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, saveWeights } from '../../src/darknet/index.js';
import { COCO_STAT_NAMES, type CocoDataset, type CocoResultEntry } from '../../src/eval/index.js';
import { hasPython, runPython, sharedPath, REPO_ROOT } from '../support/references.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const REFERENCE = readFileSync(join(REPO_ROOT, 'test', 'eval', 'reference', 'cocoeval_ref.py'), 'utf8');
const run = (args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, YOLO_NUM_THREADS: '1' } });

const root = mkdtempSync(join(tmpdir(), 'yolo-cli-val-coco-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

function val(cfg: string, weights: string, data: string, name: string, extra: string[] = []) {
  const dets = join(root, `${name}.json`), metrics = join(root, `${name}.metrics.json`);
  const r = run(['val', '--cfg', cfg, '--weights', weights, '--data', data, '--split', 'train', '--img-size', '64', '--save-json', dets, '--metrics-json', metrics, ...extra]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  return { stdout: r.stdout, results: JSON.parse(readFileSync(dets, 'utf8')) as CocoResultEntry[], metrics: JSON.parse(readFileSync(metrics, 'utf8')) as Record<string, number> };
}

test('val --save-json on COCO128: ids from the annotation file; the reference on it equals what val printed', async (t) => {
  const ann = sharedPath(t, 'data/coco128/annotations/instances_train2017.json');
  const yaml = sharedPath(t, 'data/coco128/coco128.yaml');
  const cfg = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  if (!ann || !yaml || !cfg || !hasPython(t, 'numpy')) return;
  const weights = join(root, 'tiny.weights');
  torch.manualSeed(1);
  const model = Darknet.fromFile(cfg);
  saveWeights(model, weights);
  model.dispose();
  const gt = JSON.parse(readFileSync(ann, 'utf8')) as CocoDataset;
  const images = new Set(gt.images.map((i) => i.id)), cats = new Set(gt.categories.map((c) => c.id));

  const fromJson = val(cfg, weights, ann, 'json');
  assert.match(fromJson.stdout, /category ids: the dataset's COCO JSON ids/);
  const fromYaml = val(cfg, weights, yaml, 'yaml');
  assert.match(fromYaml.stdout, /category ids: COCO's 1\.\.90 ids/);
  for (const { results } of [fromJson, fromYaml]) {
    assert.ok(results.length > 1000, `${results.length} detections`);
    assert.ok(results.every((d) => Number.isInteger(d.image_id) && images.has(d.image_id as number)), 'an image_id not in the annotation file');
    assert.ok(results.every((d) => cats.has(d.category_id)), 'a category_id not in the annotation file');
  }
  assert.ok(fromYaml.results.some((d) => d.category_id === 90) || fromYaml.results.some((d) => d.category_id > 80), 'ids past 80: the 91-id numbering');

  const ref = runPython<{ stats: number[] }>(REFERENCE, { dataset: gt, results: fromJson.results });
  COCO_STAT_NAMES.forEach((name, i) => {
    if (!(name in fromJson.metrics)) return; // --metrics-json holds nine of the twelve
    assert.ok(Math.abs(fromJson.metrics[name] - ref.stats[i]) <= 1e-4, `${name}: val ${fromJson.metrics[name]} vs reference ${ref.stats[i]}`);
  });
  const printed = [...fromJson.stdout.matchAll(/^ Average (?:Precision|Recall) .* = (-?\d\.\d{3})$/gm)].map((m) => Number(m[1]));
  assert.equal(printed.length, 12);
  printed.forEach((v, i) => assert.ok(Math.abs(v - ref.stats[i]) <= 5e-4 + 1e-9, `${COCO_STAT_NAMES[i]}: printed ${v} vs reference ${ref.stats[i]}`));

  const index = val(cfg, weights, yaml, 'index', ['--coco-ids', 'index', '--max-samples', '2']);
  assert.ok(index.results.every((d) => d.category_id >= 0 && d.category_id < 80) && index.results.some((d) => d.category_id === 0));
  const bad = run(['val', '--cfg', cfg, '--weights', weights, '--data', yaml, '--coco-ids', 'coco80']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--coco-ids must be one of auto, index, coco91, got 'coco80'/);
});
