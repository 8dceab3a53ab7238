// examples/detect.ts with the trained Shapes fixture on a generated image
// it never saw (seed 4242, as the detection tests): every drawn shape is
// found with its class at IoU >= 0.5 (the ground truth the generator drew),
// the drawn PNG has the image's size, and run as a program it prints one
// darknet-style line per detection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import sharp from 'sharp';
import * as torch from '../../src/torch/index.js';
import { iou } from '../../src/boxes/index.js';
import { renderShapes, shapeObjects, writePng, SHAPE_NAMES } from '../../src/data/index.js';
import { detectImage } from '../../examples/detect.js';
import { REPO_ROOT } from '../support/references.js';
import { SHAPES, tmp } from '../serve/deploy_files.js';

const SEED = 4242, INDEX = 2, SIZE = 256; // three shapes, one of each class

test('examples/detect: finds every drawn shape of a held-out image, draws them, and prints darknet lines as a program', { timeout: 300_000 }, async () => {
  const start = torch.memory().tensors;
  const dir = tmp('yolov3-example-detect-');
  const image = join(dir, 'shapes.png');
  await writePng(renderShapes(SEED, INDEX, SIZE, SIZE), image);
  const out = join(dir, 'out.png');
  const detections = await detectImage({ image, cfg: SHAPES.cfg, weights: SHAPES.weights, names: SHAPES.names, out, conf: 0.25 });
  const truth = shapeObjects(SEED, INDEX, SIZE, SIZE);
  assert.equal(new Set(truth.map((g) => g.cls)).size, 3);
  for (const g of truth) {
    const hit = detections.some((d) => d.classId === g.cls && d.className === SHAPE_NAMES[g.cls] && iou([d.box.x1, d.box.y1, d.box.x2, d.box.y2], g.box) >= 0.5);
    assert.ok(hit, `${SHAPE_NAMES[g.cls]} at ${g.box} not found in ${JSON.stringify(detections)}`);
  }
  const meta = await sharp(out).metadata();
  assert.deepEqual([meta.width, meta.height], [SIZE, SIZE]);
  assert.equal(torch.memory().tensors, start);

  const program = join(REPO_ROOT, 'dist', 'examples', 'detect.js');
  const r = spawnSync(process.execPath, [program, image, '--cfg', SHAPES.cfg, '--weights', SHAPES.weights, '--names', SHAPES.names], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, detections.length, r.stdout);
  lines.forEach((line, i) => assert.match(line, new RegExp(`^${detections[i].className}: \\d+%  \\(\\d+, \\d+, \\d+, \\d+\\)$`)));
});
