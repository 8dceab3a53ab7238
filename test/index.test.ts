// The package entry point (package.json main / types): the curated public
// names are there in the built dist/src/index.js and work together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './support/references.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { main: string; types: string };
const FIXTURES = join(REPO_ROOT, 'test', 'detect', 'fixtures');
type Api = typeof import('../src/index.js');
const load = async (): Promise<Api> => (await import(pathToFileURL(join(REPO_ROOT, pkg.main)).href)) as Api;

test('package.json main and types name built files; the entry exports exactly the curated list', async () => {
  assert.ok(existsSync(join(REPO_ROOT, pkg.main)), `${pkg.main} is missing (build first)`);
  assert.ok(existsSync(join(REPO_ROOT, pkg.types)), `${pkg.types} is missing`);
  const api = await load();
  assert.deepEqual(Object.keys(api).sort(), [
    'CfgError', 'ConfusionMatrix', 'DARKNET_AUGMENT', 'DEFAULT_TRAIN', 'DataError', 'DataLoader', 'Darknet', 'Detector', 'OnnxDetector',
    'FULL_AUGMENT', 'NO_AUGMENT', 'SERIES_PRESET', 'WeightsError', 'decodeImage', 'detectionsFromRows', 'evaluateCoco',
    'evaluateVoc', 'exportOnnx', 'formatSummary', 'formatWarning', 'loadCheckpoint', 'loadCocoResults', 'loadImage', 'loadModelFile',
    'loadSample', 'loadWeights', 'loadWeightsBytes', 'openDataset', 'parseCfg', 'readCfg', 'readHeader', 'readNames',
    'saveCheckpoint', 'saveCocoResults', 'saveDetectionsImage', 'saveOnnx', 'saveWeights', 'shapesDataset', 'torch', 'train', 'weightsBytes',
    'nn', 'xywhToXyxy', 'xyxyToXywh', 'convertBox', 'clipBox', 'boxArea', 'iou', 'iouMatrix', 'pairedIou',
    'nms', 'batchedNms', 'softNms', 'nonMaxSuppression', 'nonMaxSuppressionPlain', 'vocApAllPoints', 'vocAp11Point',
    'evaluateDetector', 'originalFrameBatches', 'startServer', 'renderShapes', 'SHAPE_NAMES', 'writePng',
  ].sort());
  for (const name of ['Detector', 'Darknet', 'train', 'openDataset', 'evaluateCoco', 'loadWeights', 'nms', 'nonMaxSuppression', 'iouMatrix', 'evaluateDetector', 'startServer']) assert.equal(typeof api[name as keyof Api], 'function', name);
});

test('from the entry alone: a cfg becomes a model, .weights round-trip, a Detector finds a shape, COCO scores', async () => {
  const { torch, Darknet, Detector, saveWeights, loadWeights, readNames, openDataset, loadSample, evaluateCoco } = await load();
  const start = torch.memory().tensors;
  const cfg = join(FIXTURES, 'shapes-tiny.cfg');
  // Two heads on a 256 input at strides 32 and 16, 3 anchors each: 3 * (8*8 + 16*16) = 960 boxes of 5 + 3 classes.
  const a = Darknet.fromFile(cfg).eval();
  const path = join(mkdtempSync(join(tmpdir(), 'yolo-index-')), 'a.weights');
  saveWeights(a, path);
  const b = Darknet.fromFile(cfg).eval();
  loadWeights(b, path);
  torch.tidy(() => {
    const x = torch.rand([1, 3, 256, 256]);
    type T = ReturnType<typeof torch.rand>;
    const ya = a.forward(x) as T, yb = b.forward(x) as T;
    assert.deepEqual(ya.shape, [1, 960, 8]);
    assert.equal(ya.sub(yb).abs().max().item(), 0, 'the same .weights give the same outputs');
  });
  a.dispose();
  b.dispose();

  const names = readNames(join(FIXTURES, 'shapes.names'));
  const detector = Detector.fromDarknet({ cfg, weights: join(FIXTURES, 'shapes-tiny-trained.weights'), names });
  const ds = await openDataset('shapes:4');
  try {
    const sample = ds.samples[0];
    const { img } = await loadSample(sample);
    const { detections } = await detector.detect(img, { conf: 0.25 });
    const truth = Array.from({ length: sample.labels.length / 5 }, (_, k) => {
      const [c, x, y, w, h] = sample.labels.subarray(5 * k, 5 * k + 5);
      return { imageId: sample.imageId, category: c, box: [(x - w / 2) * img.width, (y - h / 2) * img.height, (x + w / 2) * img.width, (y + h / 2) * img.height] };
    });
    const dets = detections.map((d) => ({ imageId: sample.imageId, category: names.indexOf(d.className), score: d.score, box: [d.box.x1, d.box.y1, d.box.x2, d.box.y2] }));
    assert.ok(dets.length > 0, 'the trained model finds something');
    // Ground truth scored against itself is perfect (AP 1); the detector's boxes score above chance.
    assert.ok(Math.abs(evaluateCoco(truth, truth.map((t) => ({ ...t, score: 1 }))).statsArray[1] - 1) < 1e-12);
    const ap50 = evaluateCoco(truth, dets).statsArray[1];
    assert.ok(ap50 > 0.5, `AP50 of the trained fixture on one Shapes image: ${ap50}`);
  } finally {
    detector.dispose();
  }
  assert.equal(torch.memory().tensors, start);
});
