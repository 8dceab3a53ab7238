// Which --source values are videos, and where their annotated videos go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceStem, videoOutputPath, videoSources, videosBesideImages } from '../../src/detect/video_sources.js';

test('videoSources: files, folders, globs, streams and devices; images and missing files stay with the image path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-vsrc-'));
  const videos = join(dir, 'videos');
  const mixed = join(dir, 'mixed');
  mkdirSync(videos);
  mkdirSync(mixed);
  for (const f of ['b.MKV', 'a.mp4', 'notes.txt']) writeFileSync(join(videos, f), '');
  for (const f of ['a.mp4', 'b.jpg']) writeFileSync(join(mixed, f), '');
  assert.deepEqual(videoSources(videos), [join(videos, 'a.mp4'), join(videos, 'b.MKV')]);
  assert.equal(videoSources(mixed), undefined); // a folder with images keeps meaning its images
  assert.deepEqual(videoSources(join(mixed, '*.mp4')), [join(mixed, 'a.mp4')]);
  assert.equal(videoSources(join(mixed, '*')), undefined);
  assert.deepEqual(videoSources(join(videos, 'a.mp4')), [join(videos, 'a.mp4')]);
  assert.equal(videoSources(join(mixed, 'b.jpg')), undefined);
  assert.equal(videoSources(join(dir, 'missing.mp4')), undefined);
  assert.deepEqual(videoSources('rtsp://cam.local:554/live/main'), ['rtsp://cam.local:554/live/main']);
  assert.deepEqual(videoSources('/dev/video0'), ['/dev/video0']);
  // the videos a mixed folder leaves out are named (detect warns), and only there
  assert.deepEqual(videosBesideImages(mixed), [join(mixed, 'a.mp4')]);
  assert.deepEqual(videosBesideImages(videos), []);
  assert.deepEqual(videosBesideImages(join(mixed, 'b.jpg')), []);
  assert.deepEqual(videosBesideImages('rtsp://cam.local/x'), []);
});

test('sourceStem and videoOutputPath: <folder>/<stem>.mp4, or the named file for one source; never over the source', () => {
  assert.equal(sourceStem('/data/clips/street.mkv'), 'street');
  assert.equal(sourceStem('rtsp://user:pw@cam.local:554/live/main?tcp'), 'main');
  assert.equal(sourceStem('http://host/'), 'stream');
  assert.equal(sourceStem('/dev/video0'), 'video0');
  assert.deepEqual(videoOutputPath('runs', '/data/street.mkv', 2), { path: join('runs', 'street.mp4'), folder: 'runs' });
  assert.deepEqual(videoOutputPath('runs/out.mkv', '/data/street.mkv', 1), { path: 'runs/out.mkv' });
  assert.throws(() => videoOutputPath('runs/out.mp4', 'a.mp4', 2), /names one video, but --source names 2; give a folder/);
  assert.throws(() => videoOutputPath('/data', '/data/street.mp4', 1), /would overwrite the source/);
});
