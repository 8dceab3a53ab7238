// A JPEG carrying an embedded Display P3 profile, and what cv2.imread (the
// stored values, as darknet reads them) makes of it: the reference for the
// "ICC profiles are not applied" tests of detection and of data loading.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { runPython } from './references.js';

/** Writes a w x h test pattern (`step` varies it) as a JPEG with a P3 profile; returns its path. */
export async function writeP3Jpeg(w: number, h: number, step: number, offset: number): Promise<string> {
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * step + (i % 3) * offset) % 256;
  const path = join(mkdtempSync(join(tmpdir(), 'yolov3-icc-')), 'p3.jpg');
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).withIccProfile('p3').toFile(path);
  assert.equal((await sharp(path).metadata()).hasProfile, true, 'the test image must carry a profile');
  return path;
}

/** The image as cv2.imread reads it, RGB, flattened row by row (call after hasPython(t, 'cv2', 'numpy')). */
export function cv2ImreadRgb(path: string): number[] {
  return runPython<number[]>(`
import sys, json, cv2
a = json.load(sys.stdin)
print(json.dumps(cv2.imread(a['path'], cv2.IMREAD_COLOR)[:, :, ::-1].reshape(-1).tolist()))
`, { path });
}
