// Training and evaluation decode images with an embedded ICC profile to their
// stored values, as cv2.imread (and so darknet) and detection do; sharp's
// default converts them to sRGB (up to 12 levels on COCO's 000000000025.jpg).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeImage } from '../../src/data/image.js';
import { loadSample } from '../../src/data/load_sample.js';
import type { Sample } from '../../src/data/types.js';
import { hasPython } from '../support/references.js';
import { writeP3Jpeg, cv2ImreadRgb } from '../support/icc_image.js';

test('decodeImage and the loader read the stored values of a JPEG with a P3 profile, as cv2.imread', async (t) => {
  if (!hasPython(t, 'cv2', 'numpy')) return;
  const [w, h] = [40, 24];
  const path = await writeP3Jpeg(w, h, 53, 70);
  const theirs = cv2ImreadRgb(path);
  const decoded = await decodeImage(path);
  const worst = (data: Uint8Array) => theirs.reduce((m, v, i) => Math.max(m, Math.abs(data[i] - v)), 0);
  assert.deepEqual([decoded.width, decoded.height], [w, h]);
  assert.equal(worst(decoded.data), 0, 'decodeImage differs from cv2.imread (an ICC conversion?)');
  // a long side equal to the image's own: the resize path must not convert either
  const sample: Sample = { imageId: 'p3', imagePath: path, source: { kind: 'file', path }, width: w, height: h, labels: new Float32Array(0), ignored: new Float32Array(0), ignoredKind: [] };
  const { img } = await loadSample(sample, { longSide: w });
  assert.deepEqual([img.width, img.height], [w, h]);
  assert.equal(worst(img.data), 0, 'loadSample with longSide differs from cv2.imread');
});
