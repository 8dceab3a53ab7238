// `yolov3 detect --source <video>` end to end with the trained Shapes
// fixture: a lossless clip made by ffmpeg from held-out Shapes images keeps
// every frame, and each frame's detections equal detecting its image file
// (the image path, itself checked against C darknet in trained_parity); the
// annotated video keeps the frame count and rate (ffprobe); errors; Ctrl-C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadImage, type DetectionResult, type RgbImage } from '../../src/detect/index.js';
import type { FrameResult } from '../../src/detect/video_detect.js';
import { MAIN, SHAPES, ok, tmp, yolov3 } from '../serve/deploy_files.js';
import { ffmpeg, hasFfmpeg, losslessClip, probe, shapesFrames } from '../detect/video_support.js';

const MODEL = ['--cfg', SHAPES.cfg, '--weights', SHAPES.weights, '--names', SHAPES.names];
type ImageResult = DetectionResult & { file: string };

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Same boxes, classes and order; scores within 1e-4 and corners within 1e-3 px (a batched forward's float order differs from a single image's). */
function assertClose(actual: DetectionResult, expected: DetectionResult, what: string): void {
  assert.equal(actual.detections.length, expected.detections.length, `${what}: detection count`);
  assert.deepEqual([actual.width, actual.height], [expected.width, expected.height], what);
  actual.detections.forEach((d, k) => {
    const e = expected.detections[k];
    assert.equal(d.className, e.className, `${what}: detection ${k}`);
    assert.ok(Math.abs(d.score - e.score) < 1e-4, `${what}: detection ${k} score ${d.score} vs ${e.score}`);
    for (const c of ['x1', 'y1', 'x2', 'y2'] as const) assert.ok(Math.abs(d.box[c] - e.box[c]) < 1e-3, `${what}: detection ${k} ${c} ${d.box[c]} vs ${e.box[c]}`);
  });
}

test('detect on a lossless clip: every frame kept, each equal to detecting its image; --out keeps frame count and rate; a folder of videos batched', async (t) => {
  if (!hasFfmpeg(t)) return;
  const dir = tmp('yolov3-video-');
  const frames = join(dir, 'frames');
  mkdirSync(frames);
  const images = await shapesFrames(frames, 6);
  const clip = losslessClip(frames, 10, join(dir, 'clip.mkv'));
  ok(yolov3(['detect', ...MODEL, '--source', frames, '--json', join(dir, 'images.json'), '--out', join(dir, 'drawn')]), 'detect images');
  const byImage = readJson<ImageResult[]>(join(dir, 'images.json'));
  assert.deepEqual(byImage.map((r) => basename(r.file)), images.map((f) => basename(f)));
  assert.ok(byImage.every((r) => r.detections.length > 0), 'the fixture finds shapes in every image');

  const r = ok(yolov3(['detect', ...MODEL, '--source', clip, '--out', join(dir, 'annotated.mp4'), '--json', join(dir, 'clip.json')]), 'detect clip');
  const perFrame = readJson<FrameResult[]>(join(dir, 'clip.json'));
  assert.deepEqual(perFrame.map((f) => [f.file, f.frame, f.time]), images.map((_, i) => [clip, i, i / 10]));
  // the same pixels through the same one-image forward: identical detections
  perFrame.forEach((f, i) => assert.deepEqual({ width: f.width, height: f.height, detections: f.detections }, { width: byImage[i].width, height: byImage[i].height, detections: byImage[i].detections }, `frame ${i}`));
  assert.match(r.stdout, /clip\.mkv frame 5 \(0\.500 s\): Predicted in [\d.]+ ms\.\n(circle|square|triangle): \d+%\t\(/);
  assert.match(r.stderr, /clip\.mkv: 6 frames in [\d.]+ s, [\d.]+ fps, annotated video .*annotated\.mp4/);
  assert.deepEqual(probe(join(dir, 'annotated.mp4')), { frames: 6, rFrameRate: '10/1', avgFrameRate: '10/1', width: 320, height: 240, codec: 'h264' });
  // its frames carry the boxes as `detect --out` draws them on the images: frame 3 (H.264) is near the drawn
  // image (JPEG) and away from the plain one where the boxes are
  ffmpeg(['-i', join(dir, 'annotated.mp4'), '-vf', 'select=eq(n\\,3)', '-frames:v', '1', join(dir, 'frame3.png')]);
  const [video, drawn, plain] = await Promise.all([join(dir, 'frame3.png'), join(dir, 'drawn', 'frame003.jpg'), images[3]].map((f) => loadImage(f)));
  const far = (a: RgbImage, b: RgbImage) => a.data.filter((v, i) => Math.abs(v - b.data[i]) > 60).length;
  assert.ok(far(video, plain) > 1000 && far(video, drawn) < far(video, plain) / 20, `${far(video, drawn)} vs ${far(video, plain)} values far apart`);

  // a folder of two videos (the second 25 fps, its first 3 frames) in batches of 4: frames, rates and results per video
  const folder = join(dir, 'videos');
  mkdirSync(folder);
  losslessClip(frames, 10, join(folder, 'a.mkv'));
  losslessClip(frames, 25, join(folder, 'b.mkv'), 3);
  ok(yolov3(['detect', ...MODEL, '--source', folder, '--batch', '4', '--out', join(dir, 'out'), '--json', join(dir, 'folder.json')]), 'detect folder');
  const all = readJson<FrameResult[]>(join(dir, 'folder.json'));
  assert.deepEqual(all.map((f) => [basename(f.file), f.frame, f.time]), [...images.map((_, i) => ['a.mkv', i, i / 10]), ...[0, 1, 2].map((i) => ['b.mkv', i, i / 25])]);
  all.forEach((f) => assertClose(f, byImage[f.frame], `${basename(f.file)} frame ${f.frame}`));
  assert.deepEqual(probe(join(dir, 'out', 'a.mp4')), { frames: 6, rFrameRate: '10/1', avgFrameRate: '10/1', width: 320, height: 240, codec: 'h264' });
  assert.deepEqual(probe(join(dir, 'out', 'b.mp4')), { frames: 3, rFrameRate: '25/1', avgFrameRate: '25/1', width: 320, height: 240, codec: 'h264' });
});

test('detect video errors: ffmpeg missing gives the apt line, an unreadable video names the file and ffmpeg\'s message, --save-raw is refused', (t) => {
  const dir = tmp('yolov3-video-');
  const bad = join(dir, 'notes.mp4');
  writeFileSync(bad, 'this is text, not a video');
  // without ffmpeg on PATH (the node binary is named by its full path)
  const missing = yolov3(['detect', ...MODEL, '--source', bad], { PATH: join(dir, 'no-such-bin') });
  assert.equal(missing.status, 1, missing.stderr);
  assert.match(missing.stderr, /ffmpeg not found: .*\n\s+apt-get update && apt-get install -y --no-install-recommends ffmpeg/);

  const raw = yolov3(['detect', ...MODEL, '--source', bad, '--save-raw', join(dir, 'raw')]);
  assert.equal(raw.status, 2);
  assert.match(raw.stderr, /--save-raw takes images, not videos/);

  if (!hasFfmpeg(t)) return;
  const unreadable = yolov3(['detect', ...MODEL, '--source', bad]);
  assert.equal(unreadable.status, 1);
  assert.match(unreadable.stderr, /notes\.mp4: cannot read video: .*notes\.mp4: Invalid data found when processing input/s);
});

test('Ctrl-C during a video run: exit 130, the annotated video closed and playable, the results so far written', async (t) => {
  if (!hasFfmpeg(t)) return;
  const dir = tmp('yolov3-video-');
  const clip = join(dir, 'long.mp4');
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '60', '-c:v', 'mpeg4', clip]); // 600 frames: far from done when interrupted
  const child = spawn(process.execPath, [MAIN, 'detect', ...MODEL, '--source', clip, '--conf', '0.01', '--out', join(dir, 'out.mp4'), '--json', join(dir, 'r.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve) => child.stdout.on('data', (b) => {
    stdout += b;
    if (/ frame 2 \(/.test(stdout)) resolve();
  }));
  child.kill('SIGINT');
  assert.equal(await exit, 130, stderr);
  assert.match(stderr, /long\.mp4: \d+ frames in [\d.]+ s, [\d.]+ fps, interrupted \(SIGINT\), annotated video/);
  const written = readJson<FrameResult[]>(join(dir, 'r.json'));
  assert.ok(written.length >= 3 && written.length < 600, `${written.length} frames`);
  const out = probe(join(dir, 'out.mp4'));
  assert.equal(out.frames, written.length);
  assert.equal(out.rFrameRate, '10/1');
});
