// Detection parity with the C darknet: its resize/letterbox on the same
// decoded pixels, and its detections on the same input tensor with the same
// (random, darknet-layout) weights.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, saveWeights } from '../../src/darknet/index.js';
import { toCHWFloat } from '../../src/data/image.js';
import { Detector, loadImage, prepareInput, type ResizeMode } from '../../src/detect/index.js';
import { sharedPath } from '../support/references.js';
import { darknetReference, parseDetections, runProgram, type CDetection } from './darknet_reference.js';

function readFloats(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('resize and letterbox equal darknet resize_image / letterbox_image on the same pixels', async (t) => {
  const exe = darknetReference(t);
  const dog = sharedPath(t, 'data/darknet/images/dog.jpg');
  if (!exe || !dog) return;
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-resize-'));
  const img = await loadImage(dog);
  writeFileSync(join(dir, 'in.bin'), toCHWFloat(img));
  for (const [mode, w, h] of [['stretch', 416, 416], ['letterbox', 416, 416], ['letterbox', 320, 608], ['stretch', 97, 131]] as [ResizeMode, number, number][]) {
    const out = join(dir, `${mode}-${w}x${h}.bin`);
    runProgram(exe, [mode === 'stretch' ? 'resize' : 'letterbox', join(dir, 'in.bin'), String(img.width), String(img.height), String(w), String(h), out]);
    const ours = prepareInput(img, w, h, mode).data;
    assert.ok(maxAbsDiff(ours, readFloats(out)) < 1e-6, `${mode} ${w}x${h} differs from darknet`);
  }
});

/** Random weights in darknet's layout, with head biases raised so that some boxes score well above 0.25. */
function makeWeights(cfgPath: string, path: string): Darknet {
  const model = Darknet.fromFile(cfgPath);
  const nc = model.heads[0].classes;
  torch.manualSeed(11);
  torch.tidy(() => torch.noGrad(() => {
    // kernels N(0, 0.25/fan_in) and unit-ish batch norms keep activations O(1) through every layer
    for (const b of model.blocks) {
      if (!b) continue;
      const w = b.conv.weight;
      w.normal_(0, 0.5 / Math.sqrt(w.shape[1] * w.shape[2] * w.shape[3]));
      b.conv.bias?.uniform_(-0.1, 0.1);
      b.bn?.weight.uniform_(0.5, 1.5);
      b.bn?.bias.uniform_(-0.1, 0.1);
      b.bn?.runningMean.uniform_(-0.1, 0.1);
      b.bn?.runningVar.uniform_(0.2, 0.3);
    }
    for (const head of model.heads) {
      const bias = model.blocks[head.layer - 1]!.conv.bias!;
      for (let a = 0; a < head.mask.length; a++) {
        const base = a * (5 + nc);
        bias.index({ start: base + 4, end: base + 5 }).add_(1);
        bias.index({ start: base + 5 + 16, end: base + 5 + 17 }).add_(2); // "dog"
        bias.index({ start: base + 5 + 7, end: base + 5 + 8 }).add_(1.5); // "truck"
      }
    }
  }));
  saveWeights(model, path);
  return model;
}

function matches(a: CDetection, b: CDetection): boolean {
  return a.classId === b.classId && Math.abs(a.score - b.score) <= 0.01 && a.box.every((v, i) => Math.abs(v - b.box[i]) <= 1);
}

async function compareWithDarknet(t: TestContext, cfgName: string, imageName: string, mode: ResizeMode): Promise<void> {
  const exe = darknetReference(t);
  const cfg = sharedPath(t, `data/darknet/cfg/${cfgName}`);
  const image = sharedPath(t, `data/darknet/images/${imageName}`);
  if (!exe || !cfg || !image) return;
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-detect-'));
  const start = torch.memory().tensors;
  const img = await loadImage(image);
  const probe = Darknet.fromFile(cfg);
  const [w, h] = [probe.cfg.net.width, probe.cfg.net.height];
  probe.dispose();
  const prepared = prepareInput(img, w, h, mode);
  writeFileSync(join(dir, 'input.bin'), prepared.data);
  const model = makeWeights(cfg, join(dir, 'random.weights'));
  const detector = new Detector(model, Array.from({ length: model.heads[0].classes }, (_, i) => `c${i}`), [w, h]);
  const thresh = 0.5;
  const ours: CDetection[] = detector.detectImages([img], { conf: thresh, multiLabel: true, resize: mode, maxDet: 1e6 }).results[0].detections.map((d) => ({
    classId: d.classId, score: d.score, box: [d.box.x1, d.box.y1, d.box.x2, d.box.y2],
  }));
  detector.dispose();
  // darknet maps letterboxed boxes itself; for stretch, boxes relative to the network input scale by the image size
  const [bw, bh] = mode === 'letterbox' ? [img.width, img.height] : [w, h];
  const theirs = parseDetections(runProgram(exe, ['detect', cfg, join(dir, 'random.weights'), join(dir, 'input.bin'), String(bw), String(bh), String(img.width), String(img.height), String(thresh)]))
    .map((d) => ({ ...d, box: d.box.map((v, i) => Math.min(Math.max(v, 0), i % 2 ? img.height : img.width)) as CDetection['box'] }));
  assert.ok(theirs.length >= 3 && theirs.length < 5000, `darknet found ${theirs.length} detections; the test needs some, not thousands`);
  t.diagnostic(`${theirs.length} detections from darknet, ${ours.length} from ours`);
  // a detection within 0.01 of the threshold may fall on either side of it in either implementation
  for (const d of theirs.filter((x) => x.score > thresh + 0.01)) assert.ok(ours.some((o) => matches(o, d)), `darknet's ${JSON.stringify(d)} is missing from ours`);
  for (const o of ours.filter((x) => x.score > thresh + 0.01)) assert.ok(theirs.some((d) => matches(o, d)), `our ${JSON.stringify(o)} is not in darknet's`);
  assert.equal(torch.memory().tensors, start);
}

for (const [cfg, image, mode] of [
  ['yolov3-tiny.cfg', 'dog.jpg', 'letterbox'],
  ['yolov3-tiny.cfg', 'horses.jpg', 'stretch'],
  ['yolov3-tiny.cfg', 'horses.jpg', 'letterbox'],
] as [string, string, ResizeMode][]) {
  test(`${cfg} on ${image} (${mode}): same detections as C darknet`, async (t) => compareWithDarknet(t, cfg, image, mode));
}
