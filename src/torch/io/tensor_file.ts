// Named-tensor files in the safetensors layout (8-byte little-endian header
// length, a JSON header of {name: {dtype, shape, data_offsets}} plus string
// metadata, then the raw data), so checkpoints open in other tools. Reading
// checks every offset against the file: a truncated or foreign file gives
// an error naming it, never garbage. Writing is atomic (src/util/atomic_write.ts):
// a crash mid-write leaves the previous file in place.
import { writeFileAtomic } from '../../util/atomic_write.js';
import { Tensor } from '../tensor.js';
import { readFileNamed } from './read_file.js';
import { fromBytes } from '../creation.js';
import { DTYPE_BYTES, type DType } from '../dtype.js';

const CODES: Record<DType, string> = {
  float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};
const FROM_CODE = new Map(Object.entries(CODES).map(([k, v]) => [v, k as DType]));
const MAX_HEADER = 100 * 1024 * 1024;

export interface TensorFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Serialises named tensors and string metadata to bytes. */
export function encodeTensorFile(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata: Record<string, string> = {}): Buffer {
  const entries = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new Error('tensor file: "__metadata__" is a reserved name');
    const data = t.dataSync();
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    header[name] = { dtype: CODES[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keeps the data 8-byte aligned
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([prefix, Buffer.from(json), ...chunks]);
}

export function saveTensorFile(path: string, tensors: Map<string, Tensor> | Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeTensorFile(tensors, metadata));
}

function bad(source: string, problem: string): never {
  throw new Error(`${source}: not a valid tensor file: ${problem}`);
}

/**
 * The safetensors rule: the tensors' byte ranges cover the data exactly,
 * with no hole, overlap or trailing bytes; else a file cut or pasted
 * together would load quietly with some tensors reading other bytes.
 */
function checkCoverage(source: string, ranges: [string, number, number][], dataLen: number): void {
  let at = 0;
  for (const [name, begin, end] of [...ranges].sort((a, b) => a[1] - b[1] || a[2] - b[2])) {
    if (begin < at) bad(source, `tensor '${name}' (bytes ${begin}..${end}) overlaps the tensor before it`);
    if (begin > at) bad(source, `bytes ${at}..${begin} of the data belong to no tensor`);
    at = end;
  }
  if (at !== dataLen) bad(source, `${dataLen - at} bytes after the last tensor belong to no tensor`);
}

/** Parses tensor-file bytes; every tensor is a new copy owned by the caller. */
export function decodeTensorFile(bytes: Uint8Array, source = 'tensor file'): TensorFile {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8) bad(source, `only ${buf.length} bytes`);
  const headerLen = Number(buf.readBigUInt64LE(0));
  if (headerLen > MAX_HEADER || 8 + headerLen > buf.length) bad(source, `header length ${headerLen} exceeds the file (${buf.length} bytes): truncated or not a tensor file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.toString('utf8', 8, 8 + headerLen));
  } catch {
    bad(source, 'header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad(source, 'header is not an object');
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const specs: [string, DType, number[], number, number][] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const v = value as { dtype?: string; shape?: unknown; data_offsets?: unknown };
    const dtype = FROM_CODE.get(String(v?.dtype));
    const shape = v?.shape;
    const offsets = v?.data_offsets;
    if (!dtype) bad(source, `tensor '${name}' has unknown dtype ${JSON.stringify(v?.dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) bad(source, `tensor '${name}' has a bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isInteger(d) && d >= 0)) bad(source, `tensor '${name}' has bad data_offsets`);
    const [begin, end] = offsets as number[];
    const need = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    if (end - begin !== need) bad(source, `tensor '${name}' [${shape}] ${dtype} needs ${need} bytes, offsets give ${end - begin}`);
    if (end > dataLen) bad(source, `tensor '${name}' ends at byte ${end} of ${dataLen} data bytes: file truncated`);
    specs.push([name, dtype, shape as number[], begin, end]);
  }
  checkCoverage(source, specs.map(([name, , , begin, end]) => [name, begin, end]), dataLen);
  const tensors = new Map<string, Tensor>();
  try {
    for (const [name, dtype, shape, begin, end] of specs) {
      tensors.set(name, fromBytes(buf.subarray(dataStart + begin, dataStart + end), shape, dtype));
    }
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  return { tensors, metadata };
}

export function loadTensorFile(path: string): TensorFile {
  return decodeTensorFile(readFileNamed(path), path);
}
