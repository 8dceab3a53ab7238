// The Detector API and image input: batching, EXIF orientation, BMP, box mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import * as torch from '../../src/torch/index.js';
import { Detector, decodeBmp, loadImage, prepareInput, toOriginal } from '../../src/detect/index.js';
import { sharedPath } from '../support/references.js';

test('Detector: one image gives one result, several run as one batch; no leak', async (t) => {
  const cfg = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  const names = sharedPath(t, 'data/darknet/names/coco.names');
  const dog = sharedPath(t, 'data/darknet/images/dog.jpg');
  const horses = sharedPath(t, 'data/darknet/images/horses.jpg');
  if (!cfg || !names || !dog || !horses) return;
  const start = torch.memory().tensors;
  const detector = Detector.fromDarknet({ cfg, names, imgSize: 320 });
  const one = await detector.detect(dog, { conf: 0.1 });
  assert.deepEqual([one.width, one.height], [768, 576]);
  const both = await detector.detect([dog, horses], { conf: 0.1 });
  assert.equal(both.length, 2);
  assert.deepEqual([both[1].width, both[1].height], [773, 512]);
  // the batch gives the same boxes as the single image
  assert.deepEqual(both[0].detections.slice(0, 5).map((d) => d.classId), one.detections.slice(0, 5).map((d) => d.classId));
  for (const d of both[0].detections) {
    assert.ok(d.box.x1 >= 0 && d.box.x2 <= 768 && d.box.y1 >= 0 && d.box.y2 <= 576);
    assert.equal(d.className, detector.names[d.classId]);
  }
  assert.throws(() => Detector.fromDarknet({ cfg, names, imgSize: 300 }), /not a multiple of 32/);
  assert.throws(() => Detector.fromDarknet({ cfg, names: ['a', 'b'] }), /got 2 class names, but .* has classes=80/);
  detector.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('images are turned upright by their EXIF orientation', async () => {
  const raw = Buffer.alloc(4 * 2 * 3, 200);
  const jpeg = await sharp(raw, { raw: { width: 4, height: 2, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  const img = await loadImage(jpeg);
  assert.deepEqual([img.width, img.height], [2, 4]);
});

test('BMP files decode (24-bit bottom-up and 8-bit palette); truncated ones are errors', () => {
  // 2x2, 24-bit, bottom-up: rows padded to 8 bytes; first stored row is the bottom one
  const header = (bpp: number, dataOffset: number, size: number) => {
    const b = Buffer.alloc(54);
    b.write('BM', 0);
    b.writeUInt32LE(size, 2);
    b.writeUInt32LE(dataOffset, 10);
    b.writeUInt32LE(40, 14);
    b.writeInt32LE(2, 18);
    b.writeInt32LE(2, 22);
    b.writeUInt16LE(1, 26);
    b.writeUInt16LE(bpp, 28);
    return b;
  };
  const pixels = Buffer.from([
    0, 0, 255, 0, 255, 0, 0, 0, // bottom row: red, green (BGR) + padding
    255, 0, 0, 255, 255, 255, 0, 0, // top row: blue, white
  ]);
  const bmp = Buffer.concat([header(24, 54, 54 + 16), pixels]);
  const img = decodeBmp(bmp);
  assert.deepEqual(Array.from(img.data), [0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255, 0]);
  const palette = Buffer.from([0, 0, 0, 0, 10, 20, 30, 0]); // index 1 = BGR(10, 20, 30)
  const indexed = Buffer.concat([header(8, 62, 62 + 8), palette, Buffer.from([1, 0, 0, 0, 0, 1, 0, 0])]);
  assert.deepEqual(Array.from(decodeBmp(indexed).data.subarray(0, 3)), [0, 0, 0]);
  assert.deepEqual(Array.from(decodeBmp(indexed).data.subarray(3, 6)), [30, 20, 10]);
  assert.throws(() => decodeBmp(bmp.subarray(0, 60), 'x.bmp'), /x\.bmp: cannot read image: BMP data truncated/);
});

test('letterbox and stretch geometry map input boxes back to the original pixels', () => {
  const img = { data: new Uint8Array(640 * 480 * 3), width: 640, height: 480 };
  for (const mode of ['letterbox', 'stretch'] as const) {
    const { geometry: g } = prepareInput(img, 416, 416, mode);
    const original = [100, 50, 300, 400];
    const input = [original[0] * g.scaleX + g.padX, original[1] * g.scaleY + g.padY, original[2] * g.scaleX + g.padX, original[3] * g.scaleY + g.padY];
    toOriginal(input, g).forEach((v, i) => assert.ok(Math.abs(v - original[i]) < 1e-9, mode));
  }
  const { geometry } = prepareInput(img, 416, 416, 'letterbox');
  assert.deepEqual([geometry.padX, geometry.padY, geometry.scaleX], [0, 52, 416 / 640]);
});
