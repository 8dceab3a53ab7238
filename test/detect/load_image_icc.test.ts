// Images with an embedded ICC profile: detection reads the stored pixel
// values, as darknet (cv2.imread in its OpenCV build) and OpenCV do, not
// values converted to sRGB with the profile (sharp's default). COCO has such
// files (e.g. train2017/000000000025.jpg, an Apple RGB profile).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadImage } from '../../src/detect/index.js';
import { hasPython } from '../support/references.js';
import { writeP3Jpeg, cv2ImreadRgb } from '../support/icc_image.js';

test('loadImage returns the stored values of a JPEG with a P3 profile, as cv2.imread', async (t) => {
  if (!hasPython(t, 'cv2', 'numpy')) return;
  const [w, h] = [48, 32];
  const path = await writeP3Jpeg(w, h, 37, 90);
  const ours = await loadImage(path);
  const theirs = cv2ImreadRgb(path);
  assert.deepEqual([ours.width, ours.height], [w, h]);
  let worst = 0;
  for (let i = 0; i < theirs.length; i++) worst = Math.max(worst, Math.abs(ours.data[i] - theirs[i]));
  assert.equal(worst, 0, `loadImage differs from cv2.imread by up to ${worst} levels (an ICC conversion?)`);
});
