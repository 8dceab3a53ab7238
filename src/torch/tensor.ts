// The Tensor class: a JavaScript owner of one native libtorch tensor, with
// PyTorch's method names. The operators themselves are in tensor_methods.ts.
import { native, type Handle, type ObjectHandle } from './native.js';
import { ScriptObject } from './script_object.js';
import { callOp } from './ops.js';
import { trackTensor } from './scope.js';
import { dtypeCode, dtypeFromCode, typedArrayFor, type DType, type TypedArray } from './dtype.js';
import { installTensorMethods } from './tensor_methods.js';

export type Scalar = number | boolean;
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;
/** Nested arrays of numbers or booleans, as `tolist()` returns. */
export type NestedArray = number | boolean | NestedArray[];

function toNativeArg(a: unknown): unknown {
  if (a instanceof Tensor) return a._argumentHandle();
  if (a instanceof ScriptObject) return a.handle;
  if (Array.isArray(a)) return a.map(toNativeArg);
  return a;
}

function wrapResult(r: unknown): unknown {
  if (Array.isArray(r)) return r.map(wrapResult);
  if (typeof r === 'object' && r !== null) return new Tensor(r as Handle);
  return r;
}

/** Calls a libtorch operator that returns one tensor. */
export function op(name: string, ...args: unknown[]): Tensor {
  const r = wrapResult(callOp(name, args.map(toNativeArg)));
  if (!(r instanceof Tensor)) throw new Error(`${name} returned no tensor`);
  return r;
}

/** Calls a libtorch operator that returns several tensors (a tuple or a list). */
export function opMany(name: string, ...args: unknown[]): Tensor[] {
  const r = wrapResult(callOp(name, args.map(toNativeArg)));
  if (!Array.isArray(r)) throw new Error(`${name} returned no tensor list`);
  return r as Tensor[];
}

/** Calls a libtorch operator returning something else (a number, or nothing). */
export function opValue(name: string, ...args: unknown[]): unknown {
  return wrapResult(callOp(name, args.map(toNativeArg)));
}

/** libtorch's version counter of each tensor's storage (bumped by every in-place write, shared by views), in one native call. */
export function tensorVersions(tensors: Tensor[]): number[] {
  return native.tensorVersions(tensors.map((t) => t.handle));
}

/** Calls a libtorch operator that returns a script object (ScriptObject; the caller disposes it). */
export function opObject(name: string, ...args: unknown[]): ScriptObject {
  const r = callOp(name, args.map(toNativeArg));
  if (!native.isObjectHandle(r)) {
    wrapResult(r); // a tensor returned by mistake is still owned, and freed with its scope
    throw new Error(`${name} returned no script object`);
  }
  return new ScriptObject(r as ObjectHandle);
}

/** Calls an in-place libtorch operator on `self` and returns `self`. */
export function opInPlace(self: Tensor, name: string, ...args: unknown[]): Tensor {
  const alias = callOp(name, [self._argumentHandle(), ...args.map(toNativeArg)]) as Handle;
  native.dispose(alias); // the operator returns a second handle to self
  return self;
}

export class Tensor {
  #handle: Handle | null;
  #scope: Set<Tensor> | undefined;
  #dtype: DType | undefined;
  #device: string | undefined;
  /** The shape as last read; dropped whenever the tensor goes into an operator (an in-place or out= one may resize it). */
  #shape: number[] | undefined;
  /** Marks tensors for scope bookkeeping without importing this class there. */
  readonly __isTensor = true;

  /** Takes ownership of a native handle. Use the creation functions instead. */
  constructor(handle: Handle) {
    this.#handle = handle;
    this.#scope = trackTensor(this);
  }

  get handle(): Handle {
    if (this.#handle === null) throw new Error('tensor was already disposed');
    return this.#handle;
  }

  get isDisposed(): boolean {
    return this.#handle === null;
  }

  /** Frees the native memory now. Idempotent. */
  dispose(): void {
    if (this.#handle === null) return;
    native.dispose(this.#handle);
    this.#handle = null;
    this.#scope?.delete(this);
    this.#scope = undefined;
  }

  /** @internal scope bookkeeping */
  _moveToScope(scope: Set<Tensor> | undefined): void {
    this.#scope?.delete(this);
    this.#scope = scope;
    scope?.add(this);
  }

  /** @internal the handle for an operator call, which may change the shape */
  _argumentHandle(): Handle {
    this.#shape = undefined;
    return this.handle;
  }

  // --- metadata -----------------------------------------------------------
  // A forward reads each activation's shape several times between two operator calls
  // (layer checks, packing keys); one native read serves them (a copy each: callers may modify it).
  get shape(): number[] {
    const h = this.handle; // a disposed tensor still throws
    return (this.#shape ??= native.shape(h)).slice();
  }
  get ndim(): number {
    const h = this.handle;
    return (this.#shape ??= native.shape(h)).length;
  }
  dim(): number {
    return this.ndim;
  }
  size(dim?: number): number | number[] {
    const s = this.shape;
    if (dim === undefined) return s;
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) throw new RangeError(`dimension ${dim} out of range for a ${s.length}-d tensor`);
    return s[d];
  }
  numel(): number {
    return native.numel(this.handle);
  }
  // dtype and device are fixed for a tensor's life (set_ refuses to change them): read once
  get dtype(): DType {
    const h = this.handle; // a disposed tensor still throws
    return (this.#dtype ??= dtypeFromCode(native.dtype(h)));
  }
  get device(): string {
    const h = this.handle;
    return (this.#device ??= native.device(h));
  }
  stride(): number[] {
    return native.strides(this.handle);
  }

  // --- data out -------------------------------------------------------------
  /** The values as a new typed array (copied, contiguous, on the CPU). */
  dataSync(): TypedArray {
    return typedArrayFor(this.dtype, native.toBuffer(this.handle));
  }
  /** The values as a flat array of numbers (int64 converted to number). */
  toArray(): number[] {
    const d = this.dataSync();
    return d instanceof BigInt64Array ? Array.from(d, Number) : Array.from(d as ArrayLike<number>);
  }
  /** Nested arrays with the tensor's shape, like PyTorch's tolist(). */
  tolist(): NestedArray {
    const flat: NestedArray[] = this.dtype === 'bool' ? this.toArray().map((v) => v !== 0) : this.toArray();
    const shape = this.shape;
    if (shape.length === 0) return flat[0];
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = shape[dim];
      if (dim === shape.length - 1) return flat.slice(offset, offset + n);
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: n }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }
  /** The value of a one-element tensor. */
  item(): number {
    const v = opValue('aten::item', this);
    return typeof v === 'boolean' ? Number(v) : (v as number);
  }

  // --- conversion -----------------------------------------------------------
  /** A tensor of another dtype and/or device (shares memory when nothing changes). */
  to(target: DType | Device | { dtype?: DType; device?: Device; copy?: boolean }): Tensor {
    const spec = typeof target === 'string' ? (isDevice(target) ? { device: target } : { dtype: target as DType }) : target;
    return op('aten::to.dtype_layout', this, spec.dtype === undefined ? null : dtypeCode(spec.dtype), null, spec.device ?? null, null, false, spec.copy ?? false);
  }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  long(): Tensor { return this.to('int64'); }
  int(): Tensor { return this.to('int32'); }
  bool(): Tensor { return this.to('bool'); }
  cpu(): Tensor { return this.to('cpu'); }
  cuda(): Tensor { return this.to('cuda'); }
  clone(): Tensor { return op('aten::clone', this); }
  /** A tensor sharing memory that autograd does not track. */
  detach(): Tensor { return op('aten::detach', this); }

  // --- autograd -------------------------------------------------------------
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  set requiresGrad(value: boolean) {
    native.setRequiresGrad(this.handle, value);
  }
  requiresGrad_(value = true): this {
    native.setRequiresGrad(this.handle, value);
    return this;
  }
  get isLeaf(): boolean {
    return native.isLeaf(this.handle);
  }
  /** The accumulated gradient as a new tensor handle (the caller disposes it), or null. */
  get grad(): Tensor | null {
    const g = native.grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) {
    native.setGrad(this.handle, g === null ? null : g.handle);
  }
  /** Sets the gradient to none (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    native.setGrad(this.handle, null);
  }
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(this.handle, gradient?.handle ?? null, options.retainGraph ?? null, options.createGraph ?? false);
  }

  toString(): string {
    if (this.isDisposed) return 'Tensor(disposed)';
    const body = this.numel() <= 64 ? JSON.stringify(this.tolist()) : '...';
    return `Tensor(${body}, shape=[${this.shape}], dtype=${this.dtype}, device=${this.device})`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function isDevice(s: string): s is Device {
  return s === 'cpu' || s === 'cuda' || s.startsWith('cuda:');
}

installTensorMethods(Tensor);
