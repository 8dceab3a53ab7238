// Creating tensors: from JavaScript data, filled, ranges and random.
import { native } from './native.js';
import { Tensor, op } from './tensor.js';
import { dtypeCode, dtypeOfTypedArray, type DType } from './dtype.js';
import type { Generator } from './random.js';
import type { Device, NestedArray } from './tensor.js';

export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.device && options.device !== 'cpu') {
    const moved = t.to(options.device);
    t.dispose();
    t = moved;
  }
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], depth: number, out: (number | boolean)[]): void {
  if (depth === shape.length) {
    if (Array.isArray(data)) throw new TypeError('tensor(): ragged nested array');
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) throw new TypeError(`tensor(): ragged nested array at depth ${depth}`);
  for (const item of data) flatten(item, shape, depth + 1, out);
}

function typedArrayOf(values: (number | boolean)[], dtype: DType): ArrayBufferView {
  switch (dtype) {
    case 'float32': return Float32Array.from(values as number[], Number);
    case 'float64': return Float64Array.from(values as number[], Number);
    case 'int64': return BigInt64Array.from(values, (v) => BigInt(Math.trunc(Number(v))));
    case 'int32': return Int32Array.from(values as number[], Number);
    case 'int16': return Int16Array.from(values as number[], Number);
    case 'int8': return Int8Array.from(values as number[], Number);
    case 'uint8': return Uint8Array.from(values as number[], Number);
    case 'bool': return Uint8Array.from(values, (v) => (v ? 1 : 0));
    default: throw new TypeError(`tensor(): cannot build ${dtype} from JavaScript numbers; build float32 and convert with .to()`);
  }
}

/**
 * A tensor from nested arrays, a typed array, or a number. Numbers default to
 * float32, booleans to bool, typed arrays to their own type; `shape` reshapes
 * a typed array (default: 1-d).
 */
export function tensor(data: NestedArray | ArrayBufferView, options: TensorOptions & { shape?: number[] } = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const own = dtypeOfTypedArray(data);
    const shape = options.shape ?? [(data as unknown as { length: number }).length];
    let t = new Tensor(native.fromBuffer(data, shape, dtypeCode(options.dtype === 'bool' && own === 'uint8' ? 'bool' : own)));
    if (options.dtype && options.dtype !== t.dtype) {
      const converted = t.to(options.dtype);
      t.dispose();
      t = converted;
    }
    return finish(t, options);
  }
  const shape = inferShape(data);
  const flat: (number | boolean)[] = [];
  flatten(data, shape, 0, flat);
  const dtype = options.dtype ?? (typeof flat[0] === 'boolean' ? 'bool' : 'float32');
  const t = new Tensor(native.fromBuffer(typedArrayOf(flat, dtype), shape, dtypeCode(dtype)));
  return finish(t, options);
}

function dt(options: TensorOptions): number {
  return dtypeCode(options.dtype ?? 'float32');
}

export function zeros(shape: number[], options: TensorOptions = {}): Tensor {
  return finish(op('aten::zeros', shape, dt(options)), options);
}
export function ones(shape: number[], options: TensorOptions = {}): Tensor {
  return finish(op('aten::ones', shape, dt(options)), options);
}
export function full(shape: number[], value: number | boolean, options: TensorOptions = {}): Tensor {
  return finish(op('aten::full', shape, value, dt(options)), options);
}
export function empty(shape: number[], options: TensorOptions = {}): Tensor {
  return finish(op('aten::empty.memory_format', shape, dt(options)), options);
}
export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return op('aten::zeros_like', t, options.dtype ? dtypeCode(options.dtype) : null);
}
export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return op('aten::ones_like', t, options.dtype ? dtypeCode(options.dtype) : null);
}
export function fullLike(t: Tensor, value: number, options: TensorOptions = {}): Tensor {
  return op('aten::full_like', t, value, options.dtype ? dtypeCode(options.dtype) : null);
}
/** [start, end) by step; integers give int64 unless a dtype is given, as PyTorch. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  const integral = [start, end, step].every(Number.isInteger);
  const dtype = options.dtype ?? (integral ? 'int64' : 'float32');
  return finish(op('aten::arange.start_step', start, end, step, dtypeCode(dtype)), options);
}
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  return finish(op('aten::linspace', start, end, steps, dt(options)), options);
}
export function eye(n: number, m: number = n, options: TensorOptions = {}): Tensor {
  return finish(op('aten::eye.m', n, m, dt(options)), options);
}

/** Uniform in [0, 1). */
export function rand(shape: number[], options: TensorOptions & { generator?: Generator } = {}): Tensor {
  return finish(op('aten::rand.generator', shape, options.generator?.handle ?? null, dt(options)), options);
}
/** Standard normal. */
export function randn(shape: number[], options: TensorOptions & { generator?: Generator } = {}): Tensor {
  return finish(op('aten::randn.generator', shape, options.generator?.handle ?? null, dt(options)), options);
}
/** Integers in [low, high); int64 unless a dtype is given. */
export function randint(low: number, high: number, shape: number[], options: TensorOptions & { generator?: Generator } = {}): Tensor {
  return finish(op('aten::randint.low_generator', low, high, shape, options.generator?.handle ?? null, dtypeCode(options.dtype ?? 'int64')), options);
}
/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, options: { generator?: Generator } = {}): Tensor {
  return op('aten::randperm.generator', n, options.generator?.handle ?? null, dtypeCode('int64'));
}
export function scalarTensor(value: number | boolean, options: TensorOptions = {}): Tensor {
  return finish(op('aten::scalar_tensor', value, dt(options)), options);
}

/** A tensor of `dtype` and `shape` from raw little-endian bytes (copied). */
export function fromBytes(bytes: ArrayBufferView, shape: number[], dtype: DType): Tensor {
  return new Tensor(native.fromBuffer(bytes, shape, dtypeCode(dtype)));
}
