import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { decodeImage, probeImage, toCHWFloat, writePng, newImage } from '../../src/data/image.js';
import { loadSample } from '../../src/data/load_sample.js';
import { sharedPath } from '../support/references.js';

test('a greyscale JPEG decodes to RGB with three equal channels, at full size or shrunk on load', async (t) => {
  const p = sharedPath(t, 'data/coco128/images/train2017/000000000086.jpg');
  if (!p) return;
  const img = await decodeImage(p);
  assert.deepEqual([img.width, img.height, img.data.length], [512, 640, 512 * 640 * 3]);
  for (let i = 0; i < img.data.length; i += 3 * 997) assert.ok(img.data[i] === img.data[i + 1] && img.data[i] === img.data[i + 2]);
  const info = await probeImage(p);
  assert.deepEqual([info.width, info.height, info.format, info.truncated], [512, 640, 'jpeg', false]);
  const small = await loadSample({ imageId: 'x', imagePath: p, source: { kind: 'file', path: p }, width: 512, height: 640, labels: new Float32Array(0), ignored: new Float32Array(0), ignoredKind: [] }, { longSide: 416 });
  assert.deepEqual([small.img.width, small.img.height], [333, 416]);
});

test('truncated JPEG: probe flags it; decode fails unless allowed, then greys the rest as libjpeg does', async (t) => {
  const p = sharedPath(t, 'data/voc/VOCdevkit/VOC2007/JPEGImages/000001.jpg');
  if (!p) return;
  assert.equal((await probeImage(p)).truncated, true);
  await assert.rejects(decodeImage(p));
  const img = await decodeImage(p, { allowTruncated: true });
  assert.deepEqual([img.width, img.height], [353, 500]);
});

test('CHW float conversion and PNG round trip', async () => {
  const img = newImage(3, 2, 0);
  img.data.set([255, 0, 51], 0);
  img.data.set([0, 102, 0], 15);
  const chw = toCHWFloat(img);
  assert.equal(chw.length, 18);
  assert.equal(chw[0], 1);
  assert.equal(chw[6], 0);
  assert.ok(Math.abs(chw[12] - 0.2) < 1e-7);
  assert.ok(Math.abs(chw[6 + 5] - 0.4) < 1e-7);
  const path = join(mkdtempSync(join(tmpdir(), 'yolo-png-')), 'a.png');
  await writePng(img, path);
  assert.deepEqual((await decodeImage(path)).data, img.data);
});

test('sharpReason: libvips warning lines become one line, each said once', async () => {
  const { sharpReason } = await import('../../src/data/image.js');
  const e = new Error('Input file has corrupt header: VipsJpeg: Bogus Huffman table definition\nVipsJpeg: Bogus Huffman table definition\nVipsJpeg: Bogus Huffman table definition\nVipsJpeg: Corrupt JPEG data\n');
  assert.equal(sharpReason(e), 'has corrupt header: VipsJpeg: Bogus Huffman table definition; VipsJpeg: Corrupt JPEG data');
  assert.equal(sharpReason(new Error('Input buffer contains unsupported image format')), 'contains unsupported image format');
});
