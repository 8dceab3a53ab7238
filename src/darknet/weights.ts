// Darknet .weights files: int32 major, minor, revision; `seen` as int64 when
// major*10+minor >= 2 (and both < 1000), else int32; then float32 values per
// convolutional layer in cfg order: with batch norm beta, gamma, running mean,
// running variance, then kernels; without, bias then kernels.
import { readFileSync } from 'node:fs';
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

/** Loads darknet weights from bytes into the model; returns the header (also kept on model.header). */
export function loadWeightsBytes(model: Darknet, bytes: Uint8Array, o: WeightsOptions = {}): WeightsHeader {
  const source = o.source ?? '.weights';
  const cutoff = cutoffOf(model, o);
  const { header, size } = readHeader(bytes, source);
  const want = size + 4 * weightValueCount(model.cfg, cutoff);
  const partial = o.cutoff !== undefined;
  if (bytes.byteLength < want || (!partial && bytes.byteLength !== want)) {
    const what = bytes.byteLength < want ? 'too short' : 'too long';
    throw new WeightsError(`${source}: file ${what} for ${model.cfg.file}${partial ? ` up to layer ${cutoff}` : ''}: expected ${want} bytes, found ${bytes.byteLength}`);
  }
  // copy to an aligned buffer: a Float32Array view needs a 4-byte aligned offset
  const values = new Float32Array(new Uint8Array(bytes.subarray(size, want)).buffer);
  let at = 0;
  torch.noGrad(() => {
    for (const t of fileTensors(model, cutoff)) {
      const n = t.numel();
      torch.tidy(() => t.copy_(torch.tensor(values.subarray(at, at + n), { shape: t.shape })));
      at += n;
    }
  });
  model.header = header;
  return header;
}

export function loadWeights(model: Darknet, path: string, o: WeightsOptions = {}): WeightsHeader {
  return loadWeightsBytes(model, readFileSync(path), { source: path, ...o });
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
