// TensorBoard event files read back by an independent decoder: protobufjs
// with TensorBoard's published field numbers, and a bitwise CRC-32C.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventWriter, TAGS, logIteration, logEpoch, crc32c, maskCrc, FILE_VERSION, encodeScalarEvent, encodeRecord } from '../../src/train/tensorboard/index.js';
import { crc32cBitwise, readEventFile } from './tensorboard_read.js';
import { PYTHON } from '../support/references.js';

const f32 = (x: number) => Math.fround(x);

test('CRC-32C check value and TensorFlow masking', () => {
  const check = Buffer.from('123456789');
  assert.equal(crc32cBitwise(check), 0xe3069283); // the independent reader's CRC is right
  assert.equal(crc32c(check), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  const random = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919 + 13) & 0xff));
  assert.equal(crc32c(random), crc32cBitwise(random));
  // mask = rotr15 + 0xa282ead8 (mod 2^32), by hand for crc = 1: 1 << 17 = 0x20000
  assert.equal(maskCrc(1), (0x20000 + 0xa282ead8) >>> 0);
  assert.equal(maskCrc(0xffffffff), (0xffffffff + 0xa282ead8) % 2 ** 32);
});

test('Event bytes by hand: wall_time double, step varint, summary { value { tag, simple_value float } }', () => {
  const bytes = Buffer.from(encodeScalarEvent(1.5, 3, [{ tag: 'a', value: 1 }]));
  const value = '0a0161' + '150000803f'; // tag=1 "a", simple_value=2 float 1.0
  const summary = '0a08' + value; // value=1, 8 bytes
  assert.equal(bytes.toString('hex'), '09' + '000000000000f83f' + '1003' + '2a0a' + summary);
  // a negative step is a 10-byte two's-complement varint, as protobuf's int64
  assert.equal(Buffer.from(encodeScalarEvent(1.5, -1, [])).toString('hex'), '09' + '000000000000f83f' + '10' + 'ffffffffffffffffff01' + '2a00');
  // proto3: a field at its default (wall_time 0, step 0) is not written
  assert.equal(Buffer.from(encodeScalarEvent(0, 0, [])).toString('hex'), '2a00');
  // a record: length, masked CRC of the length, data, masked CRC of the data
  const rec = encodeRecord(Buffer.from('abc'));
  assert.equal(rec.length, 8 + 4 + 3 + 4);
  assert.equal(rec.readBigUInt64LE(0), 3n);
  assert.equal(rec.readUInt32LE(8), maskCrc(crc32cBitwise(rec.subarray(0, 8))));
  assert.equal(rec.readUInt32LE(15), maskCrc(crc32cBitwise(Buffer.from('abc'))));
});

test('the timer flushes without close, and process exit flushes what is pending', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tb-'));
  try {
    const w = new EventWriter(dir, { flushMs: 30 });
    w.addScalar(TAGS.iteration.lr, 0.5, 1);
    assert.equal(readEventFile(w.path).length, 1); // only the file-version event so far
    await new Promise((r) => setTimeout(r, 120));
    assert.deepEqual(readEventFile(w.path)[1].values, [{ tag: TAGS.iteration.lr, simpleValue: 0.5 }]);
    w.close();
    const script = `import { EventWriter } from ${JSON.stringify(new URL('../../src/train/tensorboard/index.js', import.meta.url).href)};
      const w = new EventWriter(process.argv[1], { flushMs: 60000 }); w.addScalar('x', 2, 5); process.exit(0);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const other = readdirSync(dir).map((n) => join(dir, n)).find((p) => p !== w.path)!;
    assert.deepEqual(readEventFile(other)[1], { wallTime: readEventFile(other)[1].wallTime, step: 5, values: [{ tag: 'x', simpleValue: 2 }] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every tag, step and value reads back with verified CRCs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tb-'));
  try {
    const w = new EventWriter(dir, { flushMs: 1000 });
    assert.match(w.path, new RegExp(`events\\.out\\.tfevents\\.\\d{10}\\.${hostname().replace(/[.]/g, '\\.')}$`));
    const expected: { tag: string; step: number; value: number }[] = [];
    for (let i = 0; i < 30; i++) {
      const losses = { bbox: 1 / (i + 1), obj: 0.5 + i * 1e-3, cls: Math.exp(-i), loss: 0 };
      losses.loss = losses.bbox + losses.obj + losses.cls;
      const lr = 1e-4 + i * 1e-6;
      logIteration(w, i, losses, lr);
      for (const k of ['bbox', 'obj', 'cls', 'loss'] as const) expected.push({ tag: TAGS.iteration[k], step: i, value: losses[k] });
      expected.push({ tag: TAGS.iteration.lr, step: i, value: lr });
    }
    for (let e = 0; e < 3; e++) {
      const losses = { bbox: 3 - e, obj: 2 - e / 2, cls: 1 - e / 4, loss: 6 - e * 1.75 };
      logEpoch(w, e, losses, 8e-4, e === 1 ? undefined : 0.25 * e);
      for (const k of ['bbox', 'obj', 'cls', 'loss'] as const) expected.push({ tag: TAGS.epoch[k], step: e + 1, value: losses[k] }); // the series' ee + 1
      expected.push({ tag: TAGS.epoch.lr, step: e + 1, value: 8e-4 });
      if (e !== 1) expected.push({ tag: TAGS.epoch.map, step: e + 1, value: 0.25 * e });
    }
    w.addScalar('custom/negative_step', -2.5, -7, 1234.5);
    w.addScalars({ 'multi/a': 1, 'multi/b': 2 }, 2 ** 40);
    w.close();
    assert.throws(() => w.addScalar('late', 1, 0), /closed/);

    const events = readEventFile(w.path);
    assert.equal(events[0].fileVersion, FILE_VERSION);
    assert.equal(events[0].values.length, 0);
    const now = Date.now() / 1000;
    assert.ok(events[0].wallTime > now - 60 && events[0].wallTime <= now);
    const got = events.slice(1).flatMap((ev) => ev.values.map((v) => ({ tag: v.tag, step: ev.step, value: v.simpleValue, wallTime: ev.wallTime })));
    const scalars = got.slice(0, expected.length);
    assert.deepEqual(scalars.map(({ tag, step }) => ({ tag, step })), expected.map(({ tag, step }) => ({ tag, step })));
    scalars.forEach((s, i) => assert.equal(s.value, f32(expected[i].value), `${s.tag} @ ${s.step}`));
    assert.deepEqual(got.slice(expected.length), [
      { tag: 'custom/negative_step', step: -7, value: -2.5, wallTime: 1234.5 },
      { tag: 'multi/a', step: 2 ** 40, value: 1, wallTime: got[expected.length + 1].wallTime },
      { tag: 'multi/b', step: 2 ** 40, value: 2, wallTime: got[expected.length + 1].wallTime },
    ]);
    const tags = new Set(got.map((g) => g.tag));
    for (const tag of [...Object.values(TAGS.iteration), ...Object.values(TAGS.epoch)]) assert.ok(tags.has(tag), tag);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flushMs 0 writes each scalar at once; a corrupted byte fails the CRC', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tb-'));
  try {
    const w = new EventWriter(dir, { flushMs: 0 });
    const w2 = new EventWriter(dir, { flushMs: 0 });
    assert.notEqual(w.path, w2.path); // same second, distinct files
    w.addScalar(TAGS.iteration.loss, 0.75, 3);
    const live = readEventFile(w.path); // before close
    assert.deepEqual(live[1].values, [{ tag: TAGS.iteration.loss, simpleValue: 0.75 }]);
    w.close();
    w2.close();
    assert.equal(readdirSync(dir).length, 2);
    const bytes = readFileSync(w.path);
    bytes[bytes.length - 6] ^= 0x40; // inside the last record's data
    const bad = join(dir, 'corrupt.tfevents');
    writeFileSync(bad, bytes);
    assert.throws(() => readEventFile(bad), /data CRC mismatch/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TensorBoard itself reads the file (when /usr/bin/python3 has tensorboard)', (t) => {
  const probe = spawnSync(PYTHON, ['-c', 'import tensorboard']);
  if (probe.status !== 0) return t.skip(`${PYTHON} has no tensorboard module (optional check)`);
  const dir = mkdtempSync(join(tmpdir(), 'tb-'));
  try {
    const w = new EventWriter(dir);
    w.addScalar(TAGS.epoch.map, 0.5, 4);
    w.addScalar(TAGS.iteration.lr, 8e-4, 10);
    w.close();
    const script = [
      'import sys, json',
      'from tensorboard.backend.event_processing.event_accumulator import EventAccumulator',
      'acc = EventAccumulator(sys.argv[1]); acc.Reload()',
      'print(json.dumps({t: [[e.step, e.value] for e in acc.Scalars(t)] for t in acc.Tags()["scalars"]}))',
    ].join('\n');
    const r = spawnSync(PYTHON, ['-c', script, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const parsed = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.deepEqual(parsed[TAGS.epoch.map], [[4, 0.5]]);
    assert.deepEqual(parsed[TAGS.iteration.lr], [[10, f32(8e-4)]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
