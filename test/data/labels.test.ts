import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseYoloLabels } from '../../src/data/labels.js';
import { readYoloImages } from '../../src/data/yolo_dataset.js';
import { DataError, Reporter } from '../../src/data/types.js';
import { sharedPath } from '../support/references.js';

const GOOD = '1 0.5 0.5 0.2 0.2';
const cases: [string, string, RegExp][] = [
  ['wrong field count', '1 0.5 0.5 0.2', /expected 5 fields \(cls x y w h\), got 4/],
  ['too many fields (segment line)', '1 0.1 0.1 0.2 0.1 0.3 0.3', /expected 5 fields.*got 7/],
  ['non-numeric', '1 0.5 abc 0.2 0.2', /field 3 "abc" is not a number/],
  ['NaN', '1 0.5 NaN 0.2 0.2', /field 3 "NaN" is not a number/],
  ['class out of range', '80 0.5 0.5 0.2 0.2', /class 80 out of range 0\.\.79/],
  ['negative class', '-1 0.5 0.5 0.2 0.2', /class -1 is not a non-negative integer/],
  ['fractional class', '1.5 0.5 0.5 0.2 0.2', /class 1\.5 is not a non-negative integer/],
  ['zero width', '1 0.5 0.5 0 0.2', /width and height must be > 0/],
  ['negative height', '1 0.5 0.5 0.2 -0.1', /width and height must be > 0/],
  ['far outside (pixels, not normalised)', '1 320 240 50 60', /lies outside the image/],
  ['edge far outside', '1 0.95 0.5 0.3 0.2', /lies outside the image/],
];

for (const [name, line, message] of cases) {
  test(`label error: ${name} is reported with file and line, and skipped`, () => {
    const r = new Reporter(false);
    const labels = parseYoloLabels(`${GOOD}\n\n${line}\n${GOOD}\n`, 'lab/x.txt', 80, r);
    assert.equal(labels.length, 10, 'the two good lines are kept');
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0].file, 'lab/x.txt');
    assert.equal(r.problems[0].line, 3);
    assert.match(r.problems[0].message, message);
  });
  test(`label error: ${name} stops the run in strict mode`, () => {
    assert.throws(() => parseYoloLabels(`${GOOD}\n\n${line}\n`, 'lab/x.txt', 80, new Reporter(true)),
      (e: unknown) => e instanceof DataError && /^lab\/x\.txt:3: /.test(e.message) && message.test(e.message));
  });
}

test('boxes a rounding error outside the image are clipped, not rejected', () => {
  const r = new Reporter(true);
  const l = parseYoloLabels('0 0.1 0.5 0.2000005 0.2\n', 'x.txt', 80, r);
  assert.equal(l.length, 5);
  assert.ok(l[1] - l[3] / 2 >= 0);
  assert.ok(Math.abs(l[3] - 0.2) < 1e-5);
});

test('a bad label file inside a dataset: skip mode reports, strict mode throws naming file:line', async (t) => {
  const src = sharedPath(t, 'data/coco128/images/train2017/000000000009.jpg');
  if (!src) return;
  const root = mkdtempSync(join(tmpdir(), 'yolo-labels-'));
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'labels'));
  copyFileSync(src, join(root, 'images', 'a.jpg'));
  writeFileSync(join(root, 'labels', 'a.txt'), `${GOOD}\n7 0.5 0.5 0.2\n`);
  const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
  const ds = await readYoloImages(join(root, 'images'), names);
  assert.equal(ds.samples.length, 1);
  assert.equal(ds.samples[0].labels.length, 5);
  assert.equal(ds.problems.length, 1);
  assert.equal(ds.problems[0].file, join(root, 'labels', 'a.txt'));
  assert.equal(ds.problems[0].line, 2);
  await assert.rejects(readYoloImages(join(root, 'images'), names, { strict: true }), new RegExp(`${join(root, 'labels', 'a.txt')}:2: expected 5 fields`));
});
