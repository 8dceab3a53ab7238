// Event and Summary protobufs as TensorBoard defines them
// (tensorboard/compat/proto/event.proto and summary.proto); only the
// fields a scalar log needs. Field numbers must match those files.
import { ProtoWriter } from './protobuf.js';

const EVENT_WALL_TIME = 1; // double
const EVENT_STEP = 2; // int64
const EVENT_FILE_VERSION = 3; // string (oneof what)
const EVENT_SUMMARY = 5; // Summary (oneof what)
const EVENT_SESSION_LOG = 7; // SessionLog (oneof what)
const SESSION_LOG_STATUS = 1; // enum SessionStatus
const SESSION_START = 1; // SessionLog.START
const SUMMARY_VALUE = 1; // repeated Summary.Value
const VALUE_TAG = 1; // string
const VALUE_SIMPLE_VALUE = 2; // float (oneof value)

/** The version string TensorBoard expects in a file's first event. */
export const FILE_VERSION = 'brain.Event:2';

export interface ScalarValue {
  tag: string;
  value: number;
}

/** The file's first event; a resumed writer gives it the purge step, as PyTorch's SummaryWriter(purge_step=…) does. */
export function encodeFileVersionEvent(wallTime: number, step?: number): Uint8Array {
  const w = new ProtoWriter().double(EVENT_WALL_TIME, wallTime);
  if (step) w.int64(EVENT_STEP, step);
  return w.string(EVENT_FILE_VERSION, FILE_VERSION).finish();
}

/**
 * TensorBoard's purge marker: an Event whose session_log is START at
 * `step`. On reading it, TensorBoard discards every event read before it
 * with a step >= `step` (of any tag), so the steps a crashed run logged
 * after its last checkpoint, which the resumed run trains and logs again,
 * are shown once.
 */
export function encodeSessionStartEvent(wallTime: number, step: number): Uint8Array {
  const log = new ProtoWriter().int64(SESSION_LOG_STATUS, SESSION_START);
  return new ProtoWriter().double(EVENT_WALL_TIME, wallTime).int64(EVENT_STEP, step).message(EVENT_SESSION_LOG, log).finish();
}

/** One Event holding a Summary of scalar values (stored as float32, as TensorBoard does). */
export function encodeScalarEvent(wallTime: number, step: number, values: readonly ScalarValue[]): Uint8Array {
  const summary = new ProtoWriter();
  for (const v of values) summary.message(SUMMARY_VALUE, new ProtoWriter().string(VALUE_TAG, v.tag).float(VALUE_SIMPLE_VALUE, v.value));
  return new ProtoWriter().double(EVENT_WALL_TIME, wallTime).int64(EVENT_STEP, step).message(EVENT_SUMMARY, summary).finish();
}
