// Reads back the scalar events of tfevents files: records split by their
// length header with both CRCs checked (TFRecord framing, record.ts), Events
// decoded by event.ts (step, scalar tags and values, the purge marker).
// A record cut short or failing its CRC ends the file, as TensorBoard stops
// there: that is what a writer killed mid-write leaves. Used on resume, to
// find what the killed run logged (hooks/tensorboard.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maskedCrc32c } from './crc32c.js';
import { decodeEvent, type ReadEvent } from './event.js';

export type { ReadEvent };

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
