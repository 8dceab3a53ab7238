// `yolov3 anchors`: on COCO128 the printed anchors= line (9 pairs, sorted by
// area) fits the labels better than yolov3.cfg's own anchors, whose line and
// figures --cfg prints; the same seed prints the same anchors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, sharedPath } from '../support/references.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const run = (args: string[]) => spawnSync(process.execPath, [MAIN, 'anchors', ...args], { encoding: 'utf8', env: { ...process.env, YOLO_NUM_THREADS: '1' } });

const pairs = (line: string) => line.replace(/^.*anchors=/, '').split(', ').map((p) => p.split(',').map(Number));
const iou = (text: string, label: string) => Number(new RegExp(`^${label}: mean best IoU (\\d\\.\\d{4}), best possible recall (\\d\\.\\d{4})`, 'm').exec(text)?.[1]);

test('yolov3 anchors --data coco128 --cfg yolov3.cfg', (t) => {
  const yaml = sharedPath(t, 'data/coco128/coco128.yaml');
  const cfg = sharedPath(t, 'data/darknet/cfg/yolov3.cfg');
  if (!yaml || !cfg) return;
  const args = ['--data', yaml, '--cfg', cfg, '--generations', '200'];
  const r = run(args);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /: 929 labels in 128 images, sized as letterboxed to 416 px/);
  const line = r.stdout.split('\n').find((l) => l.startsWith('anchors='))!;
  const ours = pairs(line);
  assert.equal(ours.length, 9);
  assert.ok(ours.every(([w, h], i) => Number.isInteger(w) && Number.isInteger(h) && (i === 0 || w * h >= ours[i - 1][0] * ours[i - 1][1])), line);
  assert.match(r.stdout, /^yolov3\.cfg: anchors=10,13, 16,30, 33,23, 30,61, 62,45, 59,119, 116,90, 156,198, 373,326$/m);
  const mine = iou(r.stdout, 'new anchors'), stock = iou(r.stdout, 'yolov3.cfg anchors');
  assert.ok(mine > stock && stock > 0.5, `new ${mine} vs cfg ${stock}`);
  assert.equal(run(args).stdout, r.stdout, 'seeded: the same output twice');
  const bad = run(['--data', yaml, '--n', '0']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--n\b/); // the parser's own wording: 'expects an integer >= 1'
});
