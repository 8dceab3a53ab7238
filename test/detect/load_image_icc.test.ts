// Images with an embedded ICC profile: detection reads the stored pixel
// values, as darknet (cv2.imread in its OpenCV build) and OpenCV do, not
// values converted to sRGB with the profile (sharp's default). COCO has such
// files (e.g. train2017/000000000025.jpg, an Apple RGB profile).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadImage } from '../../src/detect/index.js';
import { hasPython, runPython } from '../support/references.js';

test('loadImage returns the stored values of a JPEG with a P3 profile, as cv2.imread', async (t) => {
  if (!hasPython(t, 'cv2', 'numpy')) return;
  const [w, h] = [48, 32];
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37 + (i % 3) * 90) % 256;
  const path = join(mkdtempSync(join(tmpdir(), 'yolov3-icc-')), 'p3.jpg');
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).withIccProfile('p3').toFile(path);
  assert.equal((await sharp(path).metadata()).hasProfile, true, 'the test image must carry a profile');
  const ours = await loadImage(path);
  const theirs = runPython<number[]>(`
import sys, json, cv2
a = json.load(sys.stdin)
print(json.dumps(cv2.imread(a['path'], cv2.IMREAD_COLOR)[:, :, ::-1].reshape(-1).tolist()))
`, { path });
  assert.deepEqual([ours.width, ours.height], [w, h]);
  let worst = 0;
  for (let i = 0; i < theirs.length; i++) worst = Math.max(worst, Math.abs(ours.data[i] - theirs[i]));
  assert.equal(worst, 0, `loadImage differs from cv2.imread by up to ${worst} levels (an ICC conversion?)`);
});
