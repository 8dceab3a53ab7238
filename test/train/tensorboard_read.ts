// An independent reader of tfevents files for tests: its own bitwise
// CRC-32C (no table, so not the writer's code) and protobufjs decoding from
// TensorBoard's published .proto schema (the subset vendored in
// src/train/tensorboard/proto/).
import { readdirSync, readFileSync } from 'node:fs';
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
  /** session_log's status (1: START, TensorBoard's purge marker), when the event has one. */
  sessionStatus?: number;
  values: { tag: string; simpleValue: number }[];
}

const schema = join(REPO_ROOT, 'src', 'train', 'tensorboard', 'proto', 'event.proto');
let eventType: protobuf.Type | undefined;

/**
 * Splits a TFRecord file, checking both CRCs of every record, and decodes
 * each Event. `cutTail`: a record cut short at the end of the file (a
 * writer killed mid-write) ends the file instead of being an error, as
 * TensorBoard reads it.
 */
export function readEventFile(path: string, { cutTail = false } = {}): DecodedEvent[] {
  eventType ??= protobuf.loadSync(schema).lookupType('tensorboard.Event');
  const buf = readFileSync(path);
  const out: DecodedEvent[] = [];
  let at = 0;
  while (at < buf.length) {
    const cut = at + 12 > buf.length || at + 16 + Number(buf.readBigUInt64LE(at)) > buf.length;
    if (cutTail && cut) break;
    if (at + 12 > buf.length) throw new Error(`${path}: truncated record header at byte ${at}`);
    const lenBytes = buf.subarray(at, at + 8);
    const len = Number(buf.readBigUInt64LE(at));
    if (buf.readUInt32LE(at + 8) !== masked(crc32cBitwise(lenBytes))) throw new Error(`${path}: length CRC mismatch at byte ${at}`);
    const data = buf.subarray(at + 12, at + 12 + len);
    if (data.length !== len || at + 16 + len > buf.length) throw new Error(`${path}: truncated record at byte ${at}`);
    if (buf.readUInt32LE(at + 12 + len) !== masked(crc32cBitwise(data))) throw new Error(`${path}: data CRC mismatch at byte ${at}`);
    const obj = eventType.toObject(eventType.decode(data), { longs: Number }) as {
      wallTime?: number; step?: number; fileVersion?: string; sessionLog?: { status?: number }; summary?: { value?: { tag?: string; simpleValue?: number }[] };
    };
    out.push({
      wallTime: obj.wallTime ?? 0,
      step: obj.step ?? 0,
      ...(obj.fileVersion !== undefined ? { fileVersion: obj.fileVersion } : {}),
      ...(obj.sessionLog !== undefined ? { sessionStatus: obj.sessionLog.status ?? 0 } : {}),
      values: (obj.summary?.value ?? []).map((v) => ({ tag: v.tag ?? '', simpleValue: v.simpleValue ?? 0 })),
    });
    at += 16 + len;
  }
  return out;
}

/**
 * The scalars of a run folder as TensorBoard shows them: its tfevents files
 * read in name order (cut final records tolerated), and at each purge
 * marker (session_log START at step s) every scalar read before it with a
 * step >= s discarded, of every tag (TensorBoard's EventAccumulator, on a
 * START: _Purge(event, by_tags=False)). Per tag, [step, value] in file order.
 */
export function tensorBoardScalars(dir: string): Map<string, [number, number][]> {
  const files = readdirSync(dir).filter((n) => n.includes('tfevents')).sort();
  const out = new Map<string, [number, number][]>();
  for (const name of files) {
    for (const e of readEventFile(join(dir, name), { cutTail: true })) {
      if (e.sessionStatus === 1) for (const [tag, list] of out) out.set(tag, list.filter(([step]) => step < e.step));
      for (const v of e.values) {
        if (!out.has(v.tag)) out.set(v.tag, []);
        out.get(v.tag)!.push([e.step, v.simpleValue]);
      }
    }
  }
  return out;
}
