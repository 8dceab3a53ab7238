// An independent reader of tfevents files for tests: its own bitwise
// CRC-32C (no table, so not the writer's code) and protobufjs decoding from
// the published TensorBoard .proto field numbers in fixtures/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { REPO_ROOT } from '../support/references.js';

/** Bit-at-a-time CRC-32C straight from the definition (reflected polynomial 0x82F63B78). */
export function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function masked(crc: number): number {
  const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rotated + 0xa282ead8) % 2 ** 32;
}

export interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: { tag: string; simpleValue: number }[];
}

const fixtures = join(REPO_ROOT, 'test', 'train', 'fixtures');
let eventType: protobuf.Type | undefined;

/** Splits a TFRecord file, checking both CRCs of every record, and decodes each Event. */
export function readEventFile(path: string): DecodedEvent[] {
  eventType ??= protobuf.loadSync(join(fixtures, 'event.proto')).lookupType('tensorboard.Event');
  const buf = readFileSync(path);
  const out: DecodedEvent[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 12 > buf.length) throw new Error(`${path}: truncated record header at byte ${at}`);
    const lenBytes = buf.subarray(at, at + 8);
    const len = Number(buf.readBigUInt64LE(at));
    if (buf.readUInt32LE(at + 8) !== masked(crc32cBitwise(lenBytes))) throw new Error(`${path}: length CRC mismatch at byte ${at}`);
    const data = buf.subarray(at + 12, at + 12 + len);
    if (data.length !== len || at + 16 + len > buf.length) throw new Error(`${path}: truncated record at byte ${at}`);
    if (buf.readUInt32LE(at + 12 + len) !== masked(crc32cBitwise(data))) throw new Error(`${path}: data CRC mismatch at byte ${at}`);
    const obj = eventType.toObject(eventType.decode(data), { longs: Number }) as {
      wallTime?: number; step?: number; fileVersion?: string; summary?: { value?: { tag?: string; simpleValue?: number }[] };
    };
    out.push({
      wallTime: obj.wallTime ?? 0,
      step: obj.step ?? 0,
      ...(obj.fileVersion !== undefined ? { fileVersion: obj.fileVersion } : {}),
      values: (obj.summary?.value ?? []).map((v) => ({ tag: v.tag ?? '', simpleValue: v.simpleValue ?? 0 })),
    });
    at += 16 + len;
  }
  return out;
}
