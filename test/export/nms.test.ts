// `--nms` exports against Detector: the same (class, box, score)
// detections after the same threshold and NMS (boxes mapped back to the
// original image as Detector maps them: within 0.5 px; scores within 1e-4),
// on the trained Shapes fixture and on yolov3-tiny with random weights
// (head biases raised: hundreds of boxes compete), best-class,
// multi-label and agnostic, a per-image cap, and a dynamic batch of two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, loadWeights } from '../../src/darknet/index.js';
import { renderShapes, DEFAULT_SHAPES } from '../../src/data/index.js';
import { Detector, loadImage, prepareInput, readNames, toOriginal, type DetectOptions, type RgbImage, type ResizeMode } from '../../src/detect/index.js';
import { exportOnnx, type NmsOptions } from '../../src/export/index.js';
import { REPO_ROOT, sharedPath } from '../support/references.js';
import * as P from '../darknet/parity_support.js';
import { checkOnnx, runOnnx, session, writeModel } from './onnx_support.js';

const FIXTURES = join(REPO_ROOT, 'test', 'detect', 'fixtures');
const BOX_TOL = 0.5;
const SCORE_TOL = 1e-4;

interface Found { classId: number; score: number; box: number[] }

/** Detections of the exported graph for a batch of images, per image, boxes in original pixels. */
async function onnxDetections(model: Darknet, images: RgbImage[], size: number, mode: ResizeMode, nms: NmsOptions, batch: number | 'dynamic'): Promise<Found[][]> {
  const bytes = exportOnnx(model, { size: [size, size], output: 'nms', nms, batch, resize: mode });
  const prepared = images.map((im) => prepareInput(im, size, size, mode));
  const input = new Float32Array(images.length * 3 * size * size);
  prepared.forEach((p, i) => input.set(p.data, i * 3 * size * size));
  const { detections } = await runOnnx(await session(bytes), input, [images.length, 3, size, size]);
  assert.equal(detections.dims[1], 7);
  const out: Found[][] = images.map(() => []);
  let lastImage = 0;
  for (let r = 0; r < detections.dims[0]; r++) {
    const row = detections.data.subarray(r * 7, r * 7 + 7);
    const image = row[0];
    assert.ok(image >= lastImage, 'rows are grouped by image');
    lastImage = image;
    const list = out[image];
    if (list.length) assert.ok(row[5] <= list[list.length - 1].score, 'best score first within an image');
    list.push({ classId: row[6], score: row[5], box: toOriginal(row.subarray(1, 5), prepared[image].geometry) });
  }
  return out;
}

function ours(model: Darknet, images: RgbImage[], size: number, o: DetectOptions): Found[][] {
  const detector = new Detector(model, Array.from({ length: model.heads[0].classes }, (_, c) => `c${c}`), [size, size]);
  return detector.detectImages(images, o).results.map((r) => r.detections.map((d) => ({ classId: d.classId, score: d.score, box: [d.box.x1, d.box.y1, d.box.x2, d.box.y2] })));
}

/**
 * One-to-one: every detection of each side has its partner on the other (a
 * score at the threshold may fall either way). Returns the largest box and
 * score differences of the pairs.
 */
function assertSame(a: Found[], b: Found[], conf: number, label: string): { box: number; score: number } {
  const used = new Set<number>();
  const worst = { box: 0, score: 0 };
  const near = (x: Found, y: Found) => x.classId === y.classId && Math.abs(x.score - y.score) <= SCORE_TOL && x.box.every((v, i) => Math.abs(v - y.box[i]) <= BOX_TOL);
  for (const d of a) {
    const k = b.findIndex((e, j) => !used.has(j) && near(d, e));
    if (k >= 0) {
      used.add(k);
      worst.score = Math.max(worst.score, Math.abs(d.score - b[k].score));
      worst.box = Math.max(worst.box, ...d.box.map((v, i) => Math.abs(v - b[k].box[i])));
    } else {
      assert.ok(Math.abs(d.score - conf) <= SCORE_TOL, `${label}: Detector's ${JSON.stringify(d)} is missing from the ONNX detections`);
    }
  }
  b.forEach((e, j) => assert.ok(used.has(j) || Math.abs(e.score - conf) <= SCORE_TOL, `${label}: ONNX's ${JSON.stringify(e)} is not among Detector's`));
  return worst;
}

const fmt = (w: { box: number; score: number }) => `boxes ${w.box.toExponential(2)} px, scores ${w.score.toExponential(2)}`;

const nmsOf = (o: DetectOptions): NmsOptions => ({ conf: o.conf ?? 0.25, iou: o.iou ?? 0.45, maxDet: o.maxDet ?? 300, agnostic: o.agnostic ?? false, multiLabel: o.multiLabel ?? false });

test('trained Shapes fixture: --nms detections equal Detector on held-out images (letterbox and stretch)', async (t) => {
  const start = torch.memory().tensors;
  const model = Darknet.fromFile(join(FIXTURES, 'shapes-tiny.cfg'));
  loadWeights(model, join(FIXTURES, 'shapes-tiny-trained.weights'));
  const checked = checkOnnx(t, writeModel(exportOnnx(model, { output: 'nms', names: readNames(join(FIXTURES, 'shapes.names')) })));
  if (checked) {
    assert.deepEqual(checked.outputs, { detections: ['num_detections', 7] });
    assert.ok(checked.ops.includes('NonMaxSuppression'));
    assert.deepEqual(JSON.parse(checked.metadata.names), readNames(join(FIXTURES, 'shapes.names')));
    assert.equal(checked.metadata.output, 'nms');
  }
  const larger = { ...DEFAULT_SHAPES, minSize: 0.25 };
  let total = 0;
  for (const [index, w, h, mode] of [[0, 256, 256, 'letterbox'], [2, 416, 416, 'letterbox'], [3, 400, 232, 'letterbox'], [3, 400, 232, 'stretch'], [4, 200, 320, 'letterbox']] as const) {
    const img = renderShapes(4242, index, w, h, w === h ? DEFAULT_SHAPES : larger);
    const o: DetectOptions = { conf: 0.25, iou: 0.45, resize: mode };
    const [theirs] = await onnxDetections(model, [img], 256, mode, nmsOf(o), 1);
    const [mine] = ours(model, [img], 256, o);
    t.diagnostic(`image ${index} ${w}x${h} ${mode}: ${mine.length} detections, ${fmt(assertSame(mine, theirs, 0.25, `image ${index} ${mode}`))}`);
    total += mine.length;
  }
  t.diagnostic(`${total} detections compared`);
  assert.ok(total >= 5, 'the fixture finds shapes');
  model.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('yolov3-tiny, random weights: best-class, multi-label, agnostic, a cap of 7, no detections', async (t) => {
  const cfg = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  const dog = sharedPath(t, 'data/darknet/images/dog.jpg');
  if (!cfg || !dog) return;
  const start = torch.memory().tensors;
  const model = P.busyTiny(cfg);
  const img = await loadImage(dog);
  for (const o of [{ conf: 0.5 }, { conf: 0.6, multiLabel: true, maxDet: 3000 }, { conf: 0.65, agnostic: true, iou: 0.3, maxDet: 1000 }, { conf: 0.3, maxDet: 7 }, { conf: 0.999 }] as DetectOptions[]) {
    const [theirs] = await onnxDetections(model, [img], 320, 'letterbox', nmsOf(o), 1);
    const [mine] = ours(model, [img], 320, o);
    if (o.maxDet === 7) assert.equal(theirs.length, 7);
    if (o.conf === 0.999) assert.equal(theirs.length, 0);
    else assert.ok(mine.length >= 3, 'the weights give detections to compare');
    t.diagnostic(`${JSON.stringify(o)}: ${mine.length} detections, ${fmt(assertSame(mine, theirs, o.conf!, JSON.stringify(o)))}`);
  }
  model.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('dynamic batch: two images in one run, grouped by image, each capped at 5', async (t) => {
  const cfg = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  const dog = sharedPath(t, 'data/darknet/images/dog.jpg');
  const horses = sharedPath(t, 'data/darknet/images/horses.jpg');
  if (!cfg || !dog || !horses) return;
  const model = P.busyTiny(cfg);
  const images = [await loadImage(dog), await loadImage(horses)];
  const o: DetectOptions = { conf: 0.4, maxDet: 5 };
  const bytes = exportOnnx(model, { size: [320, 320], output: 'nms', batch: 'dynamic', nms: nmsOf(o) });
  const checked = checkOnnx(t, writeModel(bytes));
  if (checked) assert.deepEqual(checked.inputs, { images: ['batch', 3, 320, 320] });
  const theirs = await onnxDetections(model, images, 320, 'letterbox', nmsOf(o), 'dynamic');
  const mine = ours(model, images, 320, o);
  for (let i = 0; i < 2; i++) {
    assert.equal(theirs[i].length, 5, `image ${i} is capped at 5`);
    t.diagnostic(`image ${i}: ${fmt(assertSame(mine[i], theirs[i], 0.4, `image ${i}`))}`);
  }
  model.dispose();
});
