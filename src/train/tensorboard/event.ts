// Event and Summary protobufs as TensorBoard defines them
// (tensorboard/compat/proto/event.proto and summary.proto); only the
// fields a scalar log needs. Field numbers must match those files.
import { ProtoWriter } from './protobuf.js';

const EVENT_WALL_TIME = 1; // double
const EVENT_STEP = 2; // int64
const EVENT_FILE_VERSION = 3; // string (oneof what)
const EVENT_SUMMARY = 5; // Summary (oneof what)
const SUMMARY_VALUE = 1; // repeated Summary.Value
const VALUE_TAG = 1; // string
const VALUE_SIMPLE_VALUE = 2; // float (oneof value)

/** The version string TensorBoard expects in a file's first event. */
export const FILE_VERSION = 'brain.Event:2';

export interface ScalarValue {
  tag: string;
  value: number;
}

export function encodeFileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(EVENT_WALL_TIME, wallTime).string(EVENT_FILE_VERSION, FILE_VERSION).finish();
}

/** One Event holding a Summary of scalar values (stored as float32, as TensorBoard does). */
export function encodeScalarEvent(wallTime: number, step: number, values: readonly ScalarValue[]): Uint8Array {
  const summary = new ProtoWriter();
  for (const v of values) summary.message(SUMMARY_VALUE, new ProtoWriter().string(VALUE_TAG, v.tag).float(VALUE_SIMPLE_VALUE, v.value));
  return new ProtoWriter().double(EVENT_WALL_TIME, wallTime).int64(EVENT_STEP, step).message(EVENT_SUMMARY, summary).finish();
}
