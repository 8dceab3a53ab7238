// The progress line: a line per `every` frames in a log, one redrawn line
// on a terminal, and the last line with frames, seconds and fps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VideoProgress } from '../../src/detect/video_progress.js';

function stream(isTTY: boolean): { isTTY: boolean; text: string; write(s: string): void } {
  return { isTTY, text: '', write(s) { this.text += s; } };
}

test('in a log: one line per 100 frames (known or estimated total), then the last line', () => {
  const log = stream(false);
  const p = new VideoProgress('clip.mp4', 250, true, log);
  for (let i = 0; i < 25; i++) p.advance(10);
  const lines = log.text.trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^clip\.mp4: frame 100\/250 \(40%\), [\d.]+ fps$/);
  assert.match(lines[1], /^clip\.mp4: frame 200\/250 \(80%\), [\d.]+ fps$/);
  p.finish('interrupted (SIGINT)');
  assert.match(log.text, /\nclip\.mp4: 250 frames in [\d.]+ s, [\d.]+ fps, interrupted \(SIGINT\)\n$/);
  const estimated = stream(false);
  const q = new VideoProgress('x.mkv', 300, false, estimated, 1);
  q.advance(3);
  assert.match(estimated.text, /^x\.mkv: frame 3\/~300 \(1%\), [\d.]+ fps\n$/);
  const live = stream(false);
  new VideoProgress('rtsp://cam/live', undefined, false, live, 1).advance(1);
  assert.match(live.text, /^rtsp:\/\/cam\/live: frame 1, [\d.]+ fps\n$/);
});

test('on a terminal: the line is redrawn with \\r, cleared before other output, and ends with a newline', () => {
  const tty = stream(true);
  const p = new VideoProgress('clip.mp4', 10, true, tty);
  p.advance(1);
  p.advance(1); // within 250 ms of the first: not redrawn
  assert.match(tty.text, /^\r\x1b\[Kclip\.mp4: frame 1\/10 \(10%\), [\d.]+ fps$/);
  p.clear();
  assert.ok(tty.text.endsWith('\r\x1b[K'));
  p.finish('');
  assert.match(tty.text, /clip\.mp4: 2 frames in [\d.]+ s, [\d.]+ fps\n$/);
  assert.ok(!tty.text.slice(0, -1).includes('\n'));
});
