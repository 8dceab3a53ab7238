// ffmpeg's side of a video run without a model: ffprobe's size, rate and
// frame count; frames read from the pipe equal the images a lossless clip
// was made from (decoded by sharp); the writer's video keeps count and rate;
// errors name the file and ffmpeg's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadImage } from '../../src/detect/load_image.js';
import { probeVideo } from '../../src/detect/video_ffmpeg.js';
import { VideoReader } from '../../src/detect/video_reader.js';
import { VideoWriter } from '../../src/detect/video_writer.js';
import type { RgbImage } from '../../src/data/image.js';
import { hasFfmpeg, losslessClip, probe, shapesFrames } from './video_support.js';

test('probeVideo and VideoReader: a lossless clip decodes to its images exactly, frame by frame', async (t) => {
  if (!hasFfmpeg(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-vread-'));
  const images = await shapesFrames(dir, 5, 201, 120); // odd width: rows are not padded in rawvideo
  const clip = losslessClip(dir, 12, join(dir, 'clip.mkv'));
  const info = await probeVideo(clip);
  // Matroska states no frame count: estimated from the duration
  assert.deepEqual(info, { source: clip, width: 201, height: 120, fps: '12/1', frames: 5, framesExact: false });
  const frames: RgbImage[] = [];
  for await (const f of new VideoReader(info).frames()) frames.push(f);
  assert.equal(frames.length, images.length);
  for (const [i, f] of frames.entries()) {
    const expected = await loadImage(images[i]);
    assert.deepEqual([f.width, f.height], [expected.width, expected.height]);
    assert.ok(Buffer.from(f.data).equals(Buffer.from(expected.data)), `frame ${i} pixels`);
  }
});

test('VideoWriter: frames in, a video of that many frames at the given rate; a reader left early (its ffmpeg ended, or this file would not exit)', async (t) => {
  if (!hasFfmpeg(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-vwrite-'));
  await shapesFrames(dir, 4, 201, 121);
  const clip = losslessClip(dir, 10, join(dir, 'clip.mkv'));
  const writer = await VideoWriter.open(join(dir, 'out.mp4'), 201, 121, '30000/1001');
  const reader = new VideoReader(await probeVideo(clip));
  let n = 0;
  for await (const f of reader.frames()) {
    await writer.write(f);
    if (++n === 3) break; // the generator's return ends ffmpeg
  }
  await writer.close();
  await writer.close(); // idempotent
  const out = probe(join(dir, 'out.mp4'));
  assert.deepEqual([out.frames, out.rFrameRate, out.avgFrameRate, out.width, out.height], [3, '30000/1001', '30000/1001', 202, 122]); // padded to even for yuv420p
});

test('errors name the file: not a video (ffprobe\'s message), an unwritable output (ffmpeg\'s message)', async (t) => {
  if (!hasFfmpeg(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-verr-'));
  writeFileSync(join(dir, 'notes.mkv'), 'text');
  await assert.rejects(probeVideo(join(dir, 'notes.mkv')), /notes\.mkv: cannot read video: .*Invalid data found when processing input/s);
  await assert.rejects(probeVideo(join(dir, 'absent.mkv')), /absent\.mkv: cannot read video: .*No such file or directory/s);
  const writer = await VideoWriter.open(join(dir, 'no-such-folder', 'out.mp4'), 64, 48, '10/1');
  const frame = { data: new Uint8Array(64 * 48 * 3), width: 64, height: 48 };
  await assert.rejects(async () => {
    for (let i = 0; i < 50; i++) await writer.write(frame);
    await writer.close();
  }, /no-such-folder\/out\.mp4: cannot write video: .*No such file or directory/s);
});

test('a source that never sends (a FIFO nobody writes) fails the probe after its timeout, naming the source', async (t) => {
  if (!hasFfmpeg(t)) return;
  const fifo = join(mkdtempSync(join(tmpdir(), 'yolov3-vfifo-')), 'silent.fifo');
  execFileSync('mkfifo', [fifo]);
  const t0 = performance.now();
  await assert.rejects(probeVideo(fifo, 1500), /silent\.fifo: cannot read video: ffprobe gave no answer in 1\.5 s/);
  const seconds = (performance.now() - t0) / 1000;
  assert.ok(seconds >= 1.4 && seconds < 20, `the probe ended after ${seconds} s`);
});
