// Event and Summary protobufs as TensorBoard defines them
// (tensorboard/compat/proto/event.proto and summary.proto, the subset a
// scalar log needs, vendored in proto/), encoded and decoded by protobufjs.
import protobuf from 'protobufjs';
import { packageFile } from '../../util/package_file.js';

/** The version string TensorBoard expects in a file's first event. */
export const FILE_VERSION = 'brain.Event:2';

export interface ScalarValue {
  tag: string;
  value: number;
}

/** One decoded Event: its step, scalar values (float32) and whether it is the purge marker. */
export interface ReadEvent {
  step: number;
  /** Summary values (tag, float32 value). */
  scalars: ScalarValue[];
  /** A session_log START: the purge marker. */
  sessionStart: boolean;
}

let eventType: protobuf.Type | undefined;

function eventProto(): protobuf.Type {
  eventType ??= new protobuf.Root().loadSync(packageFile(import.meta.url, 'src/train/tensorboard/proto/event.proto'), { keepCase: true }).lookupType('tensorboard.Event');
  return eventType;
}

const SESSION_START = 1; // SessionLog.START

function encode(event: Record<string, unknown>): Uint8Array {
  const type = eventProto();
  return type.encode(type.fromObject(event)).finish();
}

/** The file's first event; a resumed writer gives it the purge step, as PyTorch's SummaryWriter(purge_step=…) does. */
export function encodeFileVersionEvent(wallTime: number, step?: number): Uint8Array {
  return encode({ wall_time: wallTime, ...(step ? { step } : {}), file_version: FILE_VERSION });
}

/**
 * TensorBoard's purge marker: an Event whose session_log is START at
 * `step`. On reading it, TensorBoard discards every event read before it
 * with a step >= `step` (of any tag), so the steps a crashed run logged
 * after its last checkpoint, which the resumed run trains and logs again,
 * are shown once.
 */
export function encodeSessionStartEvent(wallTime: number, step: number): Uint8Array {
  return encode({ wall_time: wallTime, step, session_log: { status: SESSION_START } });
}

/** One Event holding a Summary of scalar values (stored as float32, as TensorBoard does). */
export function encodeScalarEvent(wallTime: number, step: number, values: readonly ScalarValue[]): Uint8Array {
  return encode({ wall_time: wallTime, step, summary: { value: values.map((v) => ({ tag: v.tag, simple_value: v.value })) } });
}

/** One Event's bytes, decoded (throws on bytes that are not an Event). */
export function decodeEvent(data: Uint8Array): ReadEvent {
  const type = eventProto();
  const ev = type.toObject(type.decode(data), { longs: Number, enums: Number, defaults: false }) as {
    step?: number;
    summary?: { value?: { tag?: string; simple_value?: number }[] };
    session_log?: { status?: number };
  };
  return {
    step: ev.step ?? 0,
    scalars: (ev.summary?.value ?? []).map((v) => ({ tag: v.tag ?? '', value: v.simple_value ?? NaN })),
    sessionStart: ev.session_log?.status === SESSION_START,
  };
}
