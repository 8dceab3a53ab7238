// `yolov3 detect` end to end: outputs (lines, JSON, drawn images, .npy
// files numpy reads) and each error case named in the issue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, sharedPath, hasPython, runPython } from '../support/references.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

function yolov3(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [MAIN, 'detect', ...args], { encoding: 'utf8', timeout: 120_000 });
}

test('detect prints darknet-style lines and writes JSON, drawn images and raw .npy files', (t) => {
  const cfg = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  const names = sharedPath(t, 'data/darknet/names/coco.names');
  const images = sharedPath(t, 'data/darknet/images');
  if (!cfg || !names || !images) return;
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-cli-'));
  const ok = yolov3(['--cfg', cfg, '--names', names, '--source', join(images, 'd*.jpg'), '--conf', '0.2', '--out', join(dir, 'out'), '--json', join(dir, 'r.json'), '--save-raw', join(dir, 'raw')]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /dog\.jpg: Predicted in [\d.]+ ms\./);
  assert.match(ok.stdout, /^[a-z ]+: \d+%\t\([\d.]+, [\d.]+, [\d.]+, [\d.]+\)$/m);
  const results = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
  assert.equal(results.length, 1);
  assert.deepEqual([results[0].width, results[0].height], [768, 576]);
  assert.ok(results[0].detections.length > 0);
  assert.ok(existsSync(join(dir, 'out', 'dog.jpg')));
  if (hasPython(t, 'numpy')) {
    const shapes = runPython<Record<string, number[]>>(`import sys, json, numpy as np
d = json.load(sys.stdin)
print(json.dumps({n: list(np.load(f'{d}/dog.{n}.npy').shape) for n in ['input', 'head0', 'head1']}))`, join(dir, 'raw'));
    assert.deepEqual(shapes, { input: [1, 3, 416, 416], head0: [1, 3, 13, 13, 85], head1: [1, 3, 26, 26, 85] });
  }
});

test('detect errors: missing file, non-image, names count, weights mismatch; a bad image in a folder is skipped', (t) => {
  const cfg = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  const names = sharedPath(t, 'data/darknet/names/coco.names');
  const voc = sharedPath(t, 'data/darknet/names/voc.names');
  const dog = sharedPath(t, 'data/darknet/images/dog.jpg');
  if (!cfg || !names || !voc || !dog) return;
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-cli-'));
  const oneLine = (r: { stderr: string }) => r.stderr.trim().split('\n').length === 1;

  const missing = yolov3(['--cfg', cfg, '--names', names, '--source', join(dir, 'nope.jpg')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.jpg: no such file or folder/);
  assert.ok(oneLine(missing));

  writeFileSync(join(dir, 'notes.jpg'), 'this is text, not a JPEG');
  const notImage = yolov3(['--cfg', cfg, '--names', names, '--source', join(dir, 'notes.jpg')]);
  assert.equal(notImage.status, 1);
  assert.match(notImage.stderr, /notes\.jpg: cannot read image/);
  assert.ok(oneLine(notImage));

  const wrongNames = yolov3(['--cfg', cfg, '--names', voc, '--source', dog]);
  assert.equal(wrongNames.status, 1);
  assert.match(wrongNames.stderr, /voc\.names has 20 class names, but .*yolov3-tiny\.cfg has classes=80/);

  writeFileSync(join(dir, 'short.weights'), Buffer.alloc(1000));
  const badWeights = yolov3(['--cfg', cfg, '--names', names, '--weights', join(dir, 'short.weights'), '--source', dog]);
  assert.equal(badWeights.status, 1);
  assert.match(badWeights.stderr, /short\.weights/);
  assert.match(badWeights.stderr, /too short .*expected 35434952 bytes, found 1000/); // 1000 zero bytes read as a version-0.0 header (int32 seen)

  const noMissingArg = yolov3(['--cfg', cfg]);
  assert.equal(noMissingArg.status, 2);
  assert.match(noMissingArg.stderr, /--source is required/);

  const folder = join(dir, 'folder');
  spawnSync('mkdir', ['-p', folder]);
  copyFileSync(dog, join(folder, 'a.jpg'));
  writeFileSync(join(folder, 'b.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]));
  const mixed = yolov3(['--cfg', cfg, '--names', names, '--source', folder]);
  assert.equal(mixed.status, 0, mixed.stderr);
  assert.match(mixed.stderr, /skipped .*b\.jpg: cannot read image/);
  assert.match(mixed.stdout, /a\.jpg: Predicted/);
});
