import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { runDataCheck } from '../../src/cli/data_check.js';
import { sharedPath } from '../support/references.js';

async function check(args: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await runDataCheck(args, (s) => lines.push(s));
  return { code, text: lines.join('\n') };
}

test('data check on COCO128: counts, the two orphan label files, a preview PNG', async (t) => {
  const yaml = sharedPath(t, 'data/coco128/coco128.yaml');
  if (!yaml) return;
  const preview = join(mkdtempSync(join(tmpdir(), 'yolo-check-')), 'p.png');
  const { code, text } = await check(['--data', yaml, '--preview', preview, '--size', '128']);
  assert.equal(code, 0);
  assert.match(text, /images +128 \(126 with labels, 2 empty\)/);
  assert.match(text, /boxes +929 in 80 classes/);
  assert.match(text, /^ +0 person +254 \/ \d+$/m);
  assert.match(text, /problems 2 \(2 orphan-label\)/);
  assert.match(text, /000000000656\.txt: label file has no image/);
  const meta = await sharp(preview).metadata();
  assert.deepEqual([meta.width, meta.height, meta.format], [256, 256, 'png']);
});

test('data check --strict fails on a bad label line, naming file and line', async (t) => {
  const img = sharedPath(t, 'data/coco128/images/train2017/000000000009.jpg');
  if (!img) return;
  const root = mkdtempSync(join(tmpdir(), 'yolo-check-'));
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'labels'));
  copyFileSync(img, join(root, 'images', 'a.jpg'));
  writeFileSync(join(root, 'labels', 'a.txt'), '0 0.5 0.5 0.2 0.2\n5 0.5 0.5 0.2 0.2\n');
  writeFileSync(join(root, 'd.yaml'), 'path: .\ntrain: images\nnames: [a, b]\n');
  const lenient = await check(['--data', join(root, 'd.yaml')]);
  assert.equal(lenient.code, 0);
  assert.match(lenient.text, /a\.txt:2: class 5 out of range 0\.\.1/);
  const strict = await check(['--data', join(root, 'd.yaml'), '--strict']);
  assert.equal(strict.code, 1);
  assert.match(strict.text, /a\.txt:2: class 5 out of range/);
});

test('data check: usage errors, help, shapes', async () => {
  assert.equal((await check([])).code, 2);
  assert.equal((await check(['--data'])).code, 2);
  assert.equal((await check(['--data', 'x', '--bogus'])).code, 2);
  const help = await check(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.text, /usage: yolov3 data check --data D/);
  const missing = await check(['--data', '/nowhere/d.yaml']);
  assert.equal(missing.code, 1);
  assert.match(missing.text, /\/nowhere\/d\.yaml: dataset not found/);
  const shapes = await check(['--data', 'shapes:12']);
  assert.equal(shapes.code, 0);
  assert.match(shapes.text, /images +12 \(12 with labels, 0 empty\)/);
  assert.ok(!existsSync('p.png'));
});
