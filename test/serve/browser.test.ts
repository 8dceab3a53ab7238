// The page `yolov3 serve` serves, in a real browser (Debian's chromium,
// headless, driven by playwright-core): on darknet's dog.jpg with
// yolov3-tiny's raised-bias random weights (exported with in-graph NMS) and
// on Shapes images with the trained fixture (decoded output: the page's own
// NMS), the page's detections equal `yolov3 detect`'s (libtorch): same
// classes, boxes within 1 px, scores within 1e-3. A screenshot of the page
// with its boxes is saved (YOLO_SCREENSHOT=path for the shapes page; else
// a temporary folder) and its path printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { sharedPath } from '../support/references.js';
import { assertSameDetections, fmtWorst } from '../detect/onnx_support.js';
import { browserOrSkip, launch, pageDetections } from './browser_page.js';
import { SHAPES, busyTinyWeights, copyInto, detectJson, ok, serve, shapesFiles, tmp, yolov3 } from './deploy_files.js';

test('the browser page equals yolov3 detect: yolov3-tiny (raised biases, in-graph NMS) on dog.jpg, the trained fixture on Shapes', { timeout: 900_000 }, async (t) => {
  if (!browserOrSkip(t)) return;
  const cfg = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  const dogJpg = sharedPath(t, 'data/darknet/images/dog.jpg');
  const coco = sharedPath(t, 'data/darknet/names/coco.names');
  if (!cfg || !dogJpg || !coco) return;
  const dir = tmp();
  const files = join(dir, 'files');
  const dog = copyInto(files, dogJpg, 'dog.jpg');
  const shapes = await shapesFiles(files);
  // 0.66: about 850 boxes of the 1,874 above 0.25 survive, fewer than --max-det: no cut at an arbitrary rank
  const tiny = { cfg, weights: busyTinyWeights(cfg, dir), names: coco, conf: '0.66', maxDet: '1000' };
  const tinyOnnx = join(dir, 'tiny.onnx');
  ok(yolov3(['export', '--cfg', tiny.cfg, '--weights', tiny.weights, '--names', tiny.names, '--out', tinyOnnx, '--nms', '--conf', tiny.conf, '--max-det', tiny.maxDet]), 'export tiny');
  const shapesOnnx = join(dir, 'shapes.onnx');
  ok(yolov3(['export', '--cfg', SHAPES.cfg, '--weights', SHAPES.weights, '--names', SHAPES.names, '--out', shapesOnnx]), 'export shapes');

  const cases = [
    { onnx: tinyOnnx, detect: ['--cfg', tiny.cfg, '--weights', tiny.weights, '--names', tiny.names, '--conf', tiny.conf, '--max-det', tiny.maxDet], images: [dog], conf: 0.66 },
    { onnx: shapesOnnx, detect: ['--cfg', SHAPES.cfg, '--weights', SHAPES.weights, '--names', SHAPES.names], images: shapes, conf: 0.25 },
  ];
  const browser = await launch();
  try {
    for (const c of cases) {
      const server = await serve(['--model', c.onnx, '--files', files], { YOLO_NATIVE_PATH: join(dir, 'no-libtorch.node') });
      try {
        for (const image of c.images) {
          const name = basename(image);
          const reference = detectJson(c.detect, image, dir);
          const shot = name === 'shapes-3.png' ? process.env.YOLO_SCREENSHOT ?? join(dir, 'browser-shapes.png') : name === 'dog.jpg' ? join(dir, 'browser-dog.png') : undefined;
          const page = await pageDetections(browser, server.url, name, shot);
          const worst = assertSameDetections(reference.detections, page.detections, c.conf, `${basename(c.onnx)} on ${name}`);
          assert.ok(reference.detections.length >= 3, `${name}: detections to compare (${reference.detections.length})`);
          t.diagnostic(`${basename(c.onnx)} on ${name}: ${reference.detections.length} detections, ${fmtWorst(worst)}; page latency ${page.ms.toFixed(1)} ms${shot ? `; screenshot ${shot}` : ''}`);
        }
      } finally {
        server.stop();
      }
    }
  } finally {
    await browser.close();
  }
});
