// Detection parity with trained weights: the small Shapes model trained by
// our own trainer (test/detect/fixtures, made by scripts/make_trained_fixture.mjs)
// finds the drawn shapes, and its detections equal C darknet's (its whole
// pipeline from the image file) and OpenCV DNN's (on the same network input):
// same (box, class) pairs after the same threshold and NMS, boxes within
// 0.5 px, scores within 1e-4 (1e-3 for OpenCV, whose own arithmetic differs
// from darknet's by ~1e-4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as torch from '../../src/torch/index.js';
import { Detector, loadImage, prepareInput, readNames, saveDetectionsImage, type Detection, type ResizeMode } from '../../src/detect/index.js';
import { renderShapes, shapeObjects, SHAPE_NAMES, DEFAULT_SHAPES } from '../../src/data/index.js';
import type { ShapesParams } from '../../src/data/types.js';
import { REPO_ROOT, hasPython } from '../support/references.js';
import type { CDetection } from './darknet_reference.js';
import { darknetDetectImage, darknetImageReference, openCvDetect } from './trained_reference.js';

const FIXTURES = join(REPO_ROOT, 'test', 'detect', 'fixtures');
const CFG = join(FIXTURES, 'shapes-tiny.cfg');
const WEIGHTS = join(FIXTURES, 'shapes-tiny-trained.weights');
const NAMES = join(FIXTURES, 'shapes.names');
const NET = 256; // the cfg's width and height
const CONF = 0.25;
const IOU = 0.45;
/** How close ours must be to each reference: box corners in original-image pixels, scores. */
interface Tolerance { box: number; score: number }
const DARKNET_TOL: Tolerance = { box: 0.5, score: 1e-4 };
// OpenCV's own convolutions (BN folded into the weights) differ from darknet's by up to ~2e-4 in
// scores and ~1e-2 px in boxes on these images, as much as from ours (ours vs darknet: <1e-6, <1e-4 px)
const OPENCV_TOL: Tolerance = { box: 0.5, score: 1e-3 };

/**
 * Held-out Shapes images (the trainer used seeds 0 and 1000003) written as
 * files: square, larger than the input, and non-square (letterboxed, and
 * stretched). The non-square ones draw larger shapes (a quarter to 45% of the
 * short side), so that letterboxing leaves them in the size range trained on.
 */
const SEED = 4242;
const LARGER: ShapesParams = { ...DEFAULT_SHAPES, minSize: 0.25 };
const IMAGES: { file: string; index: number; width: number; height: number; mode: ResizeMode; shapes?: ShapesParams }[] = [
  { file: 'a.png', index: 0, width: 256, height: 256, mode: 'letterbox' },
  { file: 'b.png', index: 1, width: 256, height: 256, mode: 'letterbox' },
  { file: 'large.png', index: 2, width: 416, height: 416, mode: 'letterbox' },
  { file: 'wide.png', index: 3, width: 400, height: 232, mode: 'letterbox', shapes: LARGER },
  { file: 'wide.png', index: 3, width: 400, height: 232, mode: 'stretch', shapes: LARGER },
  { file: 'tall.jpg', index: 4, width: 200, height: 320, mode: 'letterbox', shapes: LARGER },
];

async function writeImages(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-trained-'));
  for (const im of IMAGES) {
    const path = join(dir, im.file);
    if (existsSync(path)) continue;
    const img = renderShapes(SEED, im.index, im.width, im.height, im.shapes);
    const s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: im.width, height: im.height, channels: 3 } });
    // the JPEG carries a Display P3 profile: darknet (cv2.imread) reads its stored values, and so must we
    await (im.file.endsWith('.png') ? s.png() : s.jpeg({ quality: 95 }).withIccProfile('p3')).toFile(path);
  }
  return dir;
}

function fixture(): void {
  for (const p of [CFG, WEIGHTS, NAMES]) assert.ok(existsSync(p), `fixture ${p} is missing (regenerate with node scripts/make_trained_fixture.mjs)`);
  assert.deepEqual(readNames(NAMES), SHAPE_NAMES, 'shapes.names must list src/data/shapes.ts SHAPE_NAMES in order');
}

function asC(d: Detection): CDetection {
  return { classId: d.classId, score: d.score, box: [d.box.x1, d.box.y1, d.box.x2, d.box.y2] };
}

function clipped(d: CDetection, w: number, h: number): CDetection {
  return { ...d, box: d.box.map((v, i) => Math.min(Math.max(v, 0), i % 2 ? h : w)) as CDetection['box'] };
}

function iou(a: number[], b: number[]): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

interface Diff { count: number; box: number; score: number }

/**
 * One-to-one match of ours to the reference's: same class, boxes within
 * tol.box, scores within tol.score. A pair whose score is within tol.score of
 * the threshold may fall on either side of it, and is allowed to be unmatched.
 */
function compare(ours: CDetection[], ref: CDetection[], tol: Tolerance, what: string): Diff {
  const used = new Set<number>();
  const diff: Diff = { count: ref.length, box: 0, score: 0 };
  const borderline = (d: CDetection) => d.score <= CONF + tol.score;
  for (const r of [...ref].sort((x, y) => y.score - x.score)) {
    let best = -1;
    let bestBox = Infinity;
    ours.forEach((o, k) => {
      if (used.has(k) || o.classId !== r.classId || Math.abs(o.score - r.score) > tol.score) return;
      const d = Math.max(...o.box.map((v, i) => Math.abs(v - r.box[i])));
      if (d < bestBox) [best, bestBox] = [k, d];
    });
    if (best >= 0 && bestBox <= tol.box) {
      used.add(best);
      diff.box = Math.max(diff.box, bestBox);
      diff.score = Math.max(diff.score, Math.abs(ours[best].score - r.score));
    } else {
      assert.ok(borderline(r), `${what}: the reference's ${JSON.stringify(r)} has no match in ours (nearest same-class box differs by ${bestBox.toFixed(4)} px)`);
    }
  }
  ours.forEach((o, k) => assert.ok(used.has(k) || borderline(o), `${what}: our ${JSON.stringify(o)} is not in the reference's`));
  if (!ours.some(borderline) && !ref.some(borderline)) assert.equal(ours.length, ref.length, `${what}: ${ours.length} detections in ours, ${ref.length} in the reference`);
  return diff;
}

function worst(a: Diff, b: Diff): Diff {
  return { count: a.count + b.count, box: Math.max(a.box, b.box), score: Math.max(a.score, b.score) };
}

test('trained shapes-tiny: the detections find the drawn shapes and equal C darknet\'s whole pipeline (image file to boxes)', async (t) => {
  fixture();
  const exe = darknetImageReference(t);
  if (!exe) return;
  const dir = await writeImages();
  const start = torch.memory().tensors;
  const detector = Detector.fromDarknet({ cfg: CFG, weights: WEIGHTS, names: NAMES });
  let total: Diff = { count: 0, box: 0, score: 0 };
  let found = 0;
  let truths = 0;
  try {
    for (const im of IMAGES) {
      const what = `${im.file} (${im.width}x${im.height}, ${im.mode})`;
      const path = join(dir, im.file);
      const inputFile = join(dir, `${im.file}.${im.mode}.input.bin`);
      const theirs = darknetDetectImage(exe, CFG, WEIGHTS, path, im.mode, CONF, inputFile).map((d) => clipped(d, im.width, im.height));
      const img = await loadImage(path);
      // the decoded pixels and the resize are the same, so the network sees the same input
      const b = readFileSync(inputFile);
      const theirInput = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      const ourInput = prepareInput(img, NET, NET, im.mode).data;
      let inputDiff = 0;
      for (let i = 0; i < ourInput.length; i++) inputDiff = Math.max(inputDiff, Math.abs(ourInput[i] - theirInput[i]));
      assert.ok(inputDiff < 1e-6, `${what}: our network input differs from darknet's by ${inputDiff}`);

      const ours = detector.detectImages([img], { conf: CONF, iou: IOU, multiLabel: true, resize: im.mode, maxDet: 1000 }).results[0].detections;
      for (const d of ours) assert.equal(d.className, SHAPE_NAMES[d.classId]);
      const diff = compare(ours.map(asC), theirs, DARKNET_TOL, `${what} vs C darknet`);
      total = worst(total, diff);

      // trained, not noise: darknet's own detections recover the drawn shapes (class and IoU >= 0.5)
      const truth = shapeObjects(SEED, im.index, im.width, im.height, im.shapes);
      const hits = truth.filter((g) => theirs.some((d) => d.classId === g.cls && iou(d.box, g.box) >= 0.5)).length;
      assert.ok(hits >= 1, `${what}: none of the ${truth.length} drawn shapes is detected (darknet found ${JSON.stringify(theirs)})`);
      found += hits;
      truths += truth.length;
      t.diagnostic(`${what}: ${theirs.length} detections (darknet) / ${ours.length} (ours), ${hits}/${truth.length} shapes found; max |box diff| ${diff.box.toExponential(2)} px, max |score diff| ${diff.score.toExponential(2)}`);
      if (im.file === 'wide.png' && im.mode === 'letterbox') {
        const out = join(dir, 'trained-detections.png');
        await saveDetectionsImage(img, ours.filter((d) => d.score >= 0.5), SHAPE_NAMES.length, out); // the confident ones, readable
        t.diagnostic(`drawn: ${out}`);
      }
    }
  } finally {
    detector.dispose();
  }
  assert.ok(found / truths >= 0.7, `only ${found} of ${truths} drawn shapes found at IoU 0.5: the fixture is not trained enough`);
  t.diagnostic(`all images: ${total.count} detections, ${found}/${truths} shapes found; max |box diff| ${total.box.toExponential(2)} px, max |score diff| ${total.score.toExponential(2)}`);
  assert.equal(torch.memory().tensors, start);
});

test('trained shapes-tiny: detections equal OpenCV DNN\'s on the same network input, before and after NMS', async (t) => {
  fixture();
  if (!hasPython(t, 'cv2', 'numpy', 'torch', 'torchvision')) return;
  const dir = await writeImages();
  const start = torch.memory().tensors;
  const detector = Detector.fromDarknet({ cfg: CFG, weights: WEIGHTS, names: NAMES });
  try {
    const images = await Promise.all(IMAGES.map((im) => loadImage(join(dir, im.file))));
    // OpenCV's blobFromImage resizes with cv2.resize (not darknet's resize_image): it gets our darknet-exact input instead
    const items = IMAGES.map((im, k) => {
      const input = join(dir, `${im.file}.${im.mode}.ours.bin`);
      writeFileSync(input, prepareInput(images[k], NET, NET, im.mode).data);
      return { input, mode: im.mode, imageWidth: im.width, imageHeight: im.height };
    });
    const cv = openCvDetect(CFG, WEIGHTS, NET, NET, items, CONF, IOU);
    assert.equal(cv[0].outputs.length, 2, `OpenCV ran to ${cv[0].outputs}, expected the two [yolo] layers`);
    let before: Diff = { count: 0, box: 0, score: 0 };
    let after: Diff = { count: 0, box: 0, score: 0 };
    IMAGES.forEach((im, k) => {
      const what = `${im.file} (${im.width}x${im.height}, ${im.mode})`;
      const options = { conf: CONF, multiLabel: true, resize: im.mode, maxDet: 100_000 };
      // iou 1: no box has IoU above 1, so nothing is suppressed (every candidate above the threshold)
      const candidates = detector.detectImages([images[k]], { ...options, iou: 1 }).results[0].detections.map(asC);
      const ours = detector.detectImages([images[k]], { ...options, iou: IOU }).results[0].detections.map(asC);
      assert.ok(cv[k].detections.length >= 1 && cv[k].candidates.length > cv[k].detections.length, `${what}: OpenCV gave ${cv[k].candidates.length} candidates and ${cv[k].detections.length} detections; the test needs some, and NMS to remove some`);
      const b = compare(candidates, cv[k].candidates, OPENCV_TOL, `${what} before NMS vs OpenCV`);
      const a = compare(ours, cv[k].detections, OPENCV_TOL, `${what} after NMS vs OpenCV`);
      before = worst(before, b);
      after = worst(after, a);
      t.diagnostic(`${what}: ${cv[k].candidates.length} candidates, ${cv[k].detections.length} detections (OpenCV) / ${candidates.length}, ${ours.length} (ours); max |box diff| ${Math.max(a.box, b.box).toExponential(2)} px, max |score diff| ${Math.max(a.score, b.score).toExponential(2)}`);
    });
    t.diagnostic(`all images: before NMS ${before.count} pairs, max |box diff| ${before.box.toExponential(2)} px, |score diff| ${before.score.toExponential(2)}; after NMS ${after.count}, ${after.box.toExponential(2)} px, ${after.score.toExponential(2)}`);
  } finally {
    detector.dispose();
  }
  assert.equal(torch.memory().tensors, start);
});
