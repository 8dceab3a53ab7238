// NumPy .npy read and write (format versions 1-3, little-endian, C order),
// so arrays can be checked with numpy.load and fed back from numpy.save.
import { writeFileAtomic } from '../../util/atomic_write.js';
import { Tensor } from '../tensor.js';
import { readFileNamed } from './read_file.js';
import { fromBytes } from '../creation.js';
import type { DType } from '../dtype.js';

const MAGIC = '\x93NUMPY';
const DESCR: Partial<Record<DType, string>> = {
  float32: '<f4', float64: '<f8', float16: '<f2', int64: '<i8', int32: '<i4', int16: '<i2', int8: '|i1', uint8: '|u1', bool: '|b1',
};
const FROM_DESCR = new Map(Object.entries(DESCR).map(([k, v]) => [v!, k as DType]));

/** Encodes a tensor as .npy bytes (version 1.0, header padded to 64 bytes as numpy does). */
export function encodeNpy(t: Tensor): Buffer {
  const dtype = t.dtype;
  const descr = DESCR[dtype];
  if (!descr) throw new Error(`npy: cannot store dtype ${dtype}`);
  const shape = t.shape;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = MAGIC.length + 4 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const data = t.dataSync();
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'latin1');
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

export function saveNpy(path: string, t: Tensor): void {
  writeFileAtomic(path, encodeNpy(t));
}

function fail(source: string, problem: string): never {
  throw new Error(`${source}: not a readable .npy file: ${problem}`);
}

/** Decodes .npy bytes into a new tensor; `source` names the file in errors. */
export function decodeNpy(bytes: Uint8Array, source = 'npy'): Tensor {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== MAGIC) fail(source, 'bad magic');
  const major = buf[6];
  let headerLen: number;
  let offset: number;
  if (major === 1) [headerLen, offset] = [buf.readUInt16LE(8), 10];
  else if (major === 2 || major === 3) {
    if (buf.length < 12) fail(source, 'truncated header');
    [headerLen, offset] = [buf.readUInt32LE(8), 12];
  } else fail(source, `unsupported version ${major}`);
  if (offset + headerLen > buf.length) fail(source, 'truncated header');
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', offset, offset + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) fail(source, `bad header ${JSON.stringify(header)}`);
  const dtype = FROM_DESCR.get(descr.replace('=', '<'));
  if (!dtype) fail(source, `unsupported dtype '${descr}' (big-endian or exotic)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(source, `bad shape (${shapeText})`);
  const start = offset + headerLen;
  const itemSize = Number(descr.slice(2));
  const count = shape.reduce((a, b) => a * b, 1);
  if (buf.length - start !== count * itemSize) {
    fail(source, `expected ${count * itemSize} data bytes for shape [${shape}] of ${descr}, found ${buf.length - start}`);
  }
  const data = buf.subarray(start, start + count * itemSize);
  const logical = fortran === 'True' ? [...shape].reverse() : shape;
  const t = fromBytes(data, logical, dtype);
  if (fortran !== 'True') return t;
  const order = logical.map((_, i) => logical.length - 1 - i);
  const c = t.permute(order).contiguous();
  t.dispose();
  return c;
}

export function loadNpy(path: string): Tensor {
  return decodeNpy(readFileNamed(path), path);
}
