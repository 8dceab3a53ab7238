// Reads back the scalar events of tfevents files: records split by their
// length header with both CRCs checked, Events decoded for the fields this
// writer uses (step, scalar tags and values, the session_log purge marker).
// A record cut short or failing its CRC ends the file, as TensorBoard stops
// there: that is what a writer killed mid-write leaves. Used on resume, to
// find what the killed run logged (hooks/tensorboard.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maskedCrc32c } from './crc32c.js';

export interface ReadEvent {
  step: number;
  /** Summary values (tag, float32 value). */
  scalars: { tag: string; value: number }[];
  /** A session_log START: the purge marker. */
  sessionStart: boolean;
}

interface Field {
  field: number;
  wire: number;
  /** Varint value, or the bytes of a length-delimited / fixed field. */
  int?: bigint;
  bytes?: Uint8Array;
}

function* fields(b: Uint8Array): Generator<Field> {
  let at = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= b.length) throw new Error('truncated varint');
      const byte = b[at++];
      v |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return v;
    }
  };
  while (at < b.length) {
    const key = Number(varint());
    const field = key >> 3, wire = key & 7;
    if (wire === 0) yield { field, wire, int: varint() };
    else {
      const n = wire === 2 ? Number(varint()) : wire === 1 ? 8 : wire === 5 ? 4 : -1;
      if (n < 0 || at + n > b.length) throw new Error(`bad protobuf field ${field} (wire type ${wire})`);
      yield { field, wire, bytes: b.subarray(at, at + n) };
      at += n;
    }
  }
}

function decodeEvent(data: Uint8Array): ReadEvent {
  const ev: ReadEvent = { step: 0, scalars: [], sessionStart: false };
  for (const f of fields(data)) {
    if (f.field === 2 && f.int !== undefined) ev.step = Number(BigInt.asIntN(64, f.int));
    else if (f.field === 5 && f.bytes) {
      for (const v of fields(f.bytes)) {
        if (v.field !== 1 || !v.bytes) continue;
        let tag = '', value = NaN;
        for (const x of fields(v.bytes)) {
          if (x.field === 1 && x.bytes) tag = new TextDecoder().decode(x.bytes);
          else if (x.field === 2 && x.bytes) value = new DataView(x.bytes.buffer, x.bytes.byteOffset, 4).getFloat32(0, true);
        }
        ev.scalars.push({ tag, value });
      }
    } else if (f.field === 7 && f.bytes) {
      for (const x of fields(f.bytes)) if (x.field === 1 && x.int === 1n) ev.sessionStart = true;
    }
  }
  return ev;
}

/** The whole records of one file, in order (an unreadable or cut record ends it). */
export function readEvents(path: string): ReadEvent[] {
  const buf = readFileSync(path);
  const out: ReadEvent[] = [];
  for (let at = 0; at + 12 <= buf.length; ) {
    const len = Number(buf.readBigUInt64LE(at));
    if (buf.readUInt32LE(at + 8) !== maskedCrc32c(buf, at, at + 8) || at + 16 + len > buf.length) break;
    if (buf.readUInt32LE(at + 12 + len) !== maskedCrc32c(buf, at + 12, at + 12 + len)) break;
    try {
      out.push(decodeEvent(buf.subarray(at + 12, at + 12 + len)));
    } catch {
      break;
    }
    at += 16 + len;
  }
  return out;
}

/** The tfevents files of a folder in the order TensorBoard reads them (by name). */
export function eventFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes('tfevents')).sort().map((n) => join(dir, n));
}
