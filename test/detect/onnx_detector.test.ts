// Detector.fromOnnx against the libtorch Detector on real images: the same
// detections (same classes, boxes within 1 px, scores within 1e-3; the
// figures found are printed) for every output kind of the export (decoded,
// raw heads decoded in JavaScript, in-graph NMS), both resize modes, fixed
// and dynamic batches; on the trained Shapes fixture and on yolov3-tiny with
// random weights (head biases raised: hundreds of boxes compete).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, loadWeights } from '../../src/darknet/index.js';
import { renderShapes, DEFAULT_SHAPES } from '../../src/data/index.js';
import { Detector, OnnxDetector, loadImage, readNames, type DetectOptions, type RgbImage } from '../../src/detect/index.js';
import { exportOnnx, type ExportOptions } from '../../src/export/index.js';
import { REPO_ROOT, sharedPath } from '../support/references.js';
import { busyTiny } from '../darknet/parity_support.js';
import { writeModel } from '../export/onnx_support.js';
import { assertSameDetections, fmtWorst, type Worst } from './onnx_support.js';

const FIXTURES = join(REPO_ROOT, 'test', 'detect', 'fixtures');
const NAMES = readNames(join(FIXTURES, 'shapes.names'));

function fixture(): Darknet {
  const model = Darknet.fromFile(join(FIXTURES, 'shapes-tiny.cfg'));
  loadWeights(model, join(FIXTURES, 'shapes-tiny-trained.weights'));
  return model;
}

/** Held-out Shapes images (seed 4242, as the other detection tests): square, larger than the input, and not square. */
function shapesImages(): RgbImage[] {
  const larger = { ...DEFAULT_SHAPES, minSize: 0.25 };
  return [[0, 256, 256], [2, 416, 416], [3, 400, 232], [4, 200, 320]].map(([i, w, h]) => renderShapes(4242, i, w, h, w === h ? DEFAULT_SHAPES : larger));
}

async function onnxOf(model: Darknet, names: string[], o: ExportOptions): Promise<OnnxDetector> {
  return Detector.fromOnnx(writeModel(exportOnnx(model, { names, ...o })), { threads: 2 });
}

/** Both detectors on the images; returns the worst differences over all pairs. */
async function compare(torchDet: Detector, onnx: OnnxDetector, images: RgbImage[], o: DetectOptions, label: string): Promise<Worst & { found: number }> {
  const mine = torchDet.detectImages(images, o).results;
  const theirs = await onnx.detectImages(images, o);
  assert.equal(theirs.length, images.length);
  const worst = { box: 0, score: 0, pairs: 0, found: 0 };
  mine.forEach((r, i) => {
    assert.deepEqual([theirs[i].width, theirs[i].height], [r.width, r.height]);
    const w = assertSameDetections(r.detections, theirs[i].detections, o.conf ?? 0.25, `${label}, image ${i}`);
    worst.box = Math.max(worst.box, w.box);
    worst.score = Math.max(worst.score, w.score);
    worst.pairs += w.pairs;
    worst.found += r.detections.length;
  });
  return worst;
}

test('trained Shapes fixture: fromOnnx equals Detector for decoded, raw and in-graph NMS exports, letterbox and stretch', async (t) => {
  const start = torch.memory().tensors;
  const model = fixture();
  const torchDet = new Detector(model, NAMES, [256, 256]);
  const images = shapesImages();
  const cases: [string, ExportOptions, DetectOptions][] = [
    ['decoded', {}, {}],
    ['raw', { output: 'raw' }, {}],
    ['nms', { output: 'nms' }, {}],
    ['decoded, stretch from the metadata', { resize: 'stretch' }, {}],
    ['decoded, stretch asked', {}, { resize: 'stretch' }],
    ['decoded, dynamic batch', { batch: 'dynamic' }, { conf: 0.1, iou: 0.3 }],
    ['nms, a stricter conf and a cap of 2 applied afterwards', { output: 'nms', batch: 2 }, { conf: 0.5, maxDet: 2 }],
  ];
  for (const [label, exportOptions, o] of cases) {
    const onnx = await onnxOf(model, NAMES, exportOptions);
    try {
      // a stretch export is compared with a stretching Detector
      const asked = { ...o, resize: o.resize ?? exportOptions.resize };
      const w = await compare(torchDet, onnx, images, asked, label);
      assert.ok(w.found >= 5, `${label}: the fixture finds shapes (${w.found})`);
      if (o.maxDet) assert.ok(w.found <= o.maxDet * images.length);
      t.diagnostic(`${label}: ${w.found} detections, ${fmtWorst(w)}`);
    } finally {
      await onnx.dispose();
    }
  }
  model.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('yolov3-tiny, random weights on dog.jpg and horses.jpg at 416: decoded and in-graph NMS, best-class and multi-label', async (t) => {
  const cfg = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  const dog = sharedPath(t, 'data/darknet/images/dog.jpg');
  const horses = sharedPath(t, 'data/darknet/images/horses.jpg');
  const coco = sharedPath(t, 'data/darknet/names/coco.names');
  if (!cfg || !dog || !horses || !coco) return;
  const start = torch.memory().tensors;
  const model = busyTiny(cfg);
  const names = readNames(coco);
  const torchDet = new Detector(model, names, [416, 416]);
  const images = [await loadImage(dog), await loadImage(horses)];
  const cases: [string, ExportOptions, DetectOptions][] = [
    // scores bunch at 0.62-0.68 (1,874 dog boxes above 0.25 on dog.jpg): thresholds in that range keep the
    // counts under maxDet, so no arbitrary cut at a rank decides what is compared
    ['decoded', {}, { conf: 0.66, maxDet: 1000 }],
    ['decoded, multi-label, agnostic', {}, { conf: 0.65, multiLabel: true, agnostic: true, iou: 0.3, maxDet: 3000 }],
    ['nms', { output: 'nms', nms: { conf: 0.66, maxDet: 1000 } }, {}],
  ];
  for (const [label, exportOptions, o] of cases) {
    const onnx = await onnxOf(model, names, exportOptions);
    try {
      const w = await compare(torchDet, onnx, images, { conf: exportOptions.nms?.conf, maxDet: exportOptions.nms?.maxDet, ...o }, label);
      assert.ok(w.found >= 10, `${label}: the raised biases give detections (${w.found})`);
      t.diagnostic(`${label}: ${w.found} detections, ${fmtWorst(w)}`);
    } finally {
      await onnx.dispose();
    }
  }
  model.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('fromOnnx reads names, input size and output kind from the metadata; detect() takes paths and lists as Detector does', async () => {
  const model = fixture();
  const path = writeModel(exportOnnx(model, { names: NAMES, output: 'nms', size: [320, 256] }));
  model.dispose();
  const onnx = await Detector.fromOnnx(path);
  assert.ok(onnx instanceof OnnxDetector);
  assert.deepEqual(onnx.names, NAMES);
  assert.deepEqual(onnx.inputSize, [320, 256]);
  assert.equal(onnx.metadata.output, 'nms');
  assert.equal(onnx.metadata.resize, 'letterbox');
  const img = renderShapes(4242, 0, 256, 256, DEFAULT_SHAPES);
  const one = await onnx.detect(img);
  const two = await onnx.detect([img, img]);
  assert.ok(one.detections.length > 0);
  assert.deepEqual(two, [one, one]);
  await onnx.dispose();
  const renamed = await OnnxDetector.fromOnnx(path, { names: ['a', 'b', 'c'] });
  assert.deepEqual((await renamed.detect(img)).detections.map((d) => d.className), one.detections.map((d) => ['a', 'b', 'c'][d.classId]));
  await renamed.dispose();
  // session options reach onnxruntime over ours: one it takes, and one it refuses, named in the error
  const quiet = await OnnxDetector.fromOnnx(path, { threads: 2, sessionOptions: { extra: { session: { force_spinning_stop: '1' } } } });
  assert.deepEqual(await quiet.detect(img), one);
  await quiet.dispose();
  await assert.rejects(OnnxDetector.fromOnnx(path, { sessionOptions: { executionProviders: ['no-such-provider'] } }), (e: Error) => e.message.startsWith(`${path}: onnxruntime cannot load the model`) && /no-such-provider/.test(e.message));
});
