// Darknet .weights files: int32 major, minor, revision; `seen` as int64 when
// major*10+minor >= 2 (and both < 1000), else int32; then float32 values per
// convolutional layer in cfg order: with batch norm beta, gamma, running mean,
// running variance, then kernels; without, bias then kernels.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import * as torch from '../torch/index.js';
import { WeightsError } from './errors.js';
import { weightValueCount } from './summary.js';
import type { Darknet, WeightsHeader } from './model.js';

export interface WeightsOptions {
  /** Only layers [0, cutoff) (darknet53.conv.74 holds the first 74); the file may then be longer. */
  cutoff?: number;
  /** Name used in messages. */
  source?: string;
}

/** Reads the header; a file that cannot be darknet's is an error. */
export function readHeader(bytes: Uint8Array, source = '.weights'): { header: WeightsHeader; size: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 16) throw new WeightsError(`${source}: bad header: ${bytes.byteLength} bytes is shorter than a darknet .weights header`);
  const [major, minor, revision] = [0, 4, 8].map((o) => view.getInt32(o, true));
  // versions are small numbers (0.2.0 today; darknet's transposed files add 1000)
  for (const [name, v] of [['major', major], ['minor', minor], ['revision', revision]] as const) {
    if (v < 0 || v > 65535) throw new WeightsError(`${source}: bad header: ${name} version ${v} (bytes ${[...bytes.subarray(0, 12)].join(',')}) - not a darknet .weights file`);
  }
  const long = major * 10 + minor >= 2 && major < 1000 && minor < 1000;
  const size = long ? 20 : 16;
  if (long && bytes.byteLength < 20) throw new WeightsError(`${source}: bad header: ${bytes.byteLength} bytes is shorter than a version ${major}.${minor} header (20)`);
  const seen = long ? Number(view.getBigInt64(12, true)) : view.getInt32(12, true);
  return { header: { major, minor, revision, seen }, size };
}

function cutoffOf(model: Darknet, o: WeightsOptions): number {
  const n = model.cfg.layers.length;
  const c = o.cutoff ?? n;
  if (!Number.isInteger(c) || c < 0 || c > n) throw new WeightsError(`cutoff ${c} outside 0..${n}`);
  return c;
}

/** The conv tensors in file order for layers [0, cutoff). */
function fileTensors(model: Darknet, cutoff: number): torch.Tensor[] {
  const out: torch.Tensor[] = [];
  model.blocks.slice(0, cutoff).forEach((b) => {
    if (!b) return;
    if (b.bn) out.push(b.bn.bias, b.bn.weight, b.bn.runningMean, b.bn.runningVar);
    else out.push(b.conv.bias!);
    out.push(b.conv.weight);
  });
  return out;
}

/** Checks the file length for the model (up to the cutoff); returns the cutoff. */
function checkLength(model: Darknet, headerSize: number, byteLength: number, o: WeightsOptions, source: string): number {
  const cutoff = cutoffOf(model, o);
  const want = headerSize + 4 * weightValueCount(model.cfg, cutoff);
  const partial = o.cutoff !== undefined;
  if (byteLength < want || (!partial && byteLength !== want)) {
    const what = byteLength < want ? 'too short' : 'too long';
    throw new WeightsError(`${source}: file ${what} for ${model.cfg.file}${partial ? ` up to layer ${cutoff}` : ''}: expected ${want} bytes, found ${byteLength}`);
  }
  return cutoff;
}

/** Copies the values into the model's tensors in file order; `next(n)` gives the next n values. */
function copyValues(model: Darknet, cutoff: number, next: (n: number) => Float32Array): void {
  torch.noGrad(() => {
    for (const t of fileTensors(model, cutoff)) torch.tidy(() => t.copy_(torch.tensor(next(t.numel()), { shape: t.shape })));
  });
}

/** Loads darknet weights from bytes into the model; returns the header (also kept on model.header). */
export function loadWeightsBytes(model: Darknet, bytes: Uint8Array, o: WeightsOptions = {}): WeightsHeader {
  const source = o.source ?? '.weights';
  const { header, size } = readHeader(bytes, source);
  const cutoff = checkLength(model, size, bytes.byteLength, o, source);
  // a Float32Array view needs a 4-byte aligned offset: copy only when the bytes are not
  const aligned = (bytes.byteOffset + size) % 4 === 0;
  const body = aligned ? bytes.subarray(size) : new Uint8Array(bytes.subarray(size));
  const values = new Float32Array(body.buffer, body.byteOffset, Math.floor(body.byteLength / 4));
  let at = 0;
  copyValues(model, cutoff, (n) => values.subarray(at, (at += n)));
  model.header = header;
  return header;
}

/**
 * Loads a .weights file tensor by tensor through one reused buffer: reading
 * the whole file (yolov3: 248 MB) would leave it, and any aligned copy, on
 * the JavaScript heap until a garbage collection that a training run may
 * not trigger for a long time — resident memory on top of the model's.
 */
export function loadWeights(model: Darknet, path: string, o: WeightsOptions = {}): WeightsHeader {
  const source = o.source ?? path;
  const fd = openSync(path, 'r');
  try {
    const byteLength = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(20, byteLength));
    readFully(fd, head, 0, source);
    const { header, size } = readHeader(head, source);
    const cutoff = checkLength(model, size, byteLength, o, source);
    let chunk = new Float32Array(0);
    let position = size;
    copyValues(model, cutoff, (n) => {
      if (chunk.length < n) chunk = new Float32Array(n);
      const view = chunk.subarray(0, n);
      readFully(fd, new Uint8Array(view.buffer, 0, 4 * n), position, source);
      position += 4 * n;
      return view;
    });
    model.header = header;
    return header;
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, into: Uint8Array, position: number, source: string): void {
  for (let done = 0; done < into.byteLength;) {
    const n = readSync(fd, into, done, into.byteLength - done, position + done);
    if (n === 0) throw new WeightsError(`${source}: unexpected end of file at byte ${position + done}`);
    done += n;
  }
}

/** The model's weights as darknet .weights bytes, with model.header (or the given one). */
export function weightsBytes(model: Darknet, o: { cutoff?: number; header?: WeightsHeader } = {}): Buffer {
  const cutoff = cutoffOf(model, o);
  const h = o.header ?? model.header;
  const long = h.major * 10 + h.minor >= 2 && h.major < 1000 && h.minor < 1000;
  const size = long ? 20 : 16;
  const out = Buffer.alloc(size + 4 * weightValueCount(model.cfg, cutoff));
  out.writeInt32LE(h.major, 0);
  out.writeInt32LE(h.minor, 4);
  out.writeInt32LE(h.revision, 8);
  if (long) out.writeBigInt64LE(BigInt(h.seen), 12);
  else out.writeInt32LE(h.seen, 12);
  let at = size;
  for (const t of fileTensors(model, cutoff)) {
    const v = t.dataSync() as Float32Array;
    Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(out, at);
    at += v.byteLength;
  }
  return out;
}

export function saveWeights(model: Darknet, path: string, o: { cutoff?: number; header?: WeightsHeader } = {}): void {
  torch.io.writeFileAtomic(path, weightsBytes(model, o));
}
