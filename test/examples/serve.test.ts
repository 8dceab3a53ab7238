// examples/serve.ts: exports the trained Shapes fixture to ONNX and starts
// the `yolov3 serve` page in this process; in headless Chromium the page's
// detections on a held-out Shapes image equal onnxruntime-node's on the same
// .onnx (Detector.fromOnnx; boxes within 1 px, scores within 1e-3) and find
// every drawn shape with its class at IoU >= 0.5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { iou } from '../../src/boxes/index.js';
import { renderShapes, shapeObjects, writePng, SHAPE_NAMES } from '../../src/data/index.js';
import { Detector } from '../../src/detect/index.js';
import { exportAndServe } from '../../examples/serve.js';
import { assertSameDetections } from '../detect/onnx_support.js';
import { browserOrSkip, launch, pageDetections } from '../serve/browser_page.js';
import { SHAPES, tmp } from '../serve/deploy_files.js';

const SEED = 4242, INDEX = 2, SIZE = 256; // three shapes, one of each class

test('examples/serve: the exported model served to a browser detects what onnxruntime-node detects, and the drawn shapes', { timeout: 300_000 }, async (t) => {
  if (!browserOrSkip(t)) return;
  const dir = tmp('yolov3-example-serve-');
  const files = join(dir, 'files');
  mkdirSync(files);
  await writePng(renderShapes(SEED, INDEX, SIZE, SIZE), join(files, 'shapes.png'));
  const onnx = join(dir, 'shapes.onnx');
  const server = await exportAndServe({ cfg: SHAPES.cfg, weights: SHAPES.weights, namesFile: SHAPES.names, out: onnx, files, port: 0 });
  const browser = await launch();
  try {
    const page = await pageDetections(browser, server.url, 'shapes.png');
    const reference = await Detector.fromOnnx(onnx);
    try {
      const { detections } = await reference.detect(join(files, 'shapes.png'), { conf: 0.25 });
      assertSameDetections(detections, page.detections, 0.25, 'page vs onnxruntime-node');
    } finally {
      await reference.dispose();
    }
    for (const g of shapeObjects(SEED, INDEX, SIZE, SIZE)) {
      const hit = page.detections.some((d) => d.classId === g.cls && iou([d.box.x1, d.box.y1, d.box.x2, d.box.y2], g.box) >= 0.5);
      assert.ok(hit, `${SHAPE_NAMES[g.cls]} at ${g.box} not found by the page: ${JSON.stringify(page.detections)}`);
    }
    t.diagnostic(`${page.detections.length} detections in the page, ${page.ms.toFixed(1)} ms`);
  } finally {
    await browser.close();
    await server.close();
  }
});
