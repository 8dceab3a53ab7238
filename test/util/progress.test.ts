// The progress line: what it prints (count, rate, ETA, extra text), how a
// terminal gets it redrawn in place, and how often a log gets whole lines.
// The clock and the stream are the test's own, so every value is worked by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, formatSeconds } from '../../src/util/progress.js';

test('ETA formatting', () => {
  assert.equal(formatSeconds(5), '0:05');
  assert.equal(formatSeconds(125), '2:05');
  assert.equal(formatSeconds(3 * 3600 + 61), '3h01m');
  assert.equal(formatSeconds(Infinity), '--:--');
});

/** A stream that records each write, and a clock the test moves. */
function fixture(isTTY: boolean) {
  const writes: string[] = [];
  let t = 100;
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) }, now: () => t, advance: (s: number) => (t += s) };
}

test('terminal: each update redraws the line in place; the last one ends it', () => {
  const f = fixture(true);
  const p = new Progress('epoch 1/3', 10, 'it', 5, { stream: f.stream, now: f.now });
  f.advance(1);
  p.update(2, 'loss 1.500');
  // 2 done in 1 s: 2.0 it/s; 8 to go at that rate: 4 s
  assert.deepEqual(f.writes, ['\r\x1b[Kepoch 1/3 2/10 2.0 it/s ETA 0:04 loss 1.500']);
  f.advance(1);
  p.update(3);
  // 3 in 2 s: 1.5 it/s; 7 to go: 4.67 s, shown as 0:04; no extra text, no trailing space
  assert.equal(f.writes[1], '\r\x1b[Kepoch 1/3 3/10 1.5 it/s ETA 0:04');
  f.advance(8);
  p.update(10, 'done');
  // 10 in 10 s: 1.0 it/s, nothing left; the line is ended with a newline
  assert.equal(f.writes[2], '\r\x1b[Kepoch 1/3 10/10 1.0 it/s ETA 0:00 done\n');
  assert.equal(f.writes.length, 3, 'a terminal gets every update');
});

test('not a terminal: whole lines every `every` steps and at the end', () => {
  const f = fixture(false);
  const p = new Progress('val', 7, 'img', 3, { stream: f.stream, now: f.now });
  for (let done = 1; done <= 7; done++) {
    f.advance(0.5);
    p.update(done);
  }
  // counted from -1 (nothing printed): at 2 (3 after -1), 5, and 7 (the end); 2 img per second
  // throughout, so 5 to go at 2 is 2.5 s (0:02), 2 to go at 5 is 0:01
  assert.deepEqual(f.writes, ['val 2/7 2.0 img/s ETA 0:02\n', 'val 5/7 2.0 img/s ETA 0:01\n', 'val 7/7 2.0 img/s ETA 0:00\n']);
});

test('no progress yet: the ETA is unknown', () => {
  const f = fixture(false);
  const p = new Progress('x', 4, 'it', 1, { stream: f.stream, now: f.now });
  p.update(0);
  assert.deepEqual(f.writes, ['x 0/4 0.0 it/s ETA --:--\n']);
});

test('the default `every` prints about ten lines in a log', () => {
  const f = fixture(false);
  const p = new Progress('e', 100, 'it', undefined, { stream: f.stream, now: f.now });
  for (let done = 1; done <= 100; done++) {
    f.advance(1);
    p.update(done);
  }
  // every floor(100 / 10) = 10 steps counted from -1: 9, 19, ..., 99, then the end
  assert.deepEqual(f.writes.map((l) => Number(l.split(' ')[1].split('/')[0])), [9, 19, 29, 39, 49, 59, 69, 79, 89, 99, 100]);
});
