// Tensor operators, each one call of a libtorch operator (named after its
// ATen schema). Installed on Tensor.prototype by tensor.ts; import Tensor from
// tensor.js, never this file directly (the two are loaded in that order).
import { Tensor, op, opMany, opInPlace, opValue, type Scalar } from './tensor.js';
import { dtypeCode, type DType } from './dtype.js';

type TensorOrScalar = Tensor | Scalar;
/** A slice for `index()`: start (inclusive), end (exclusive), step; negatives count from the end. */
export interface Slice { start?: number; end?: number; step?: number }
/** One item of `index()`: an integer picks, a Slice or null (all) keeps, a tensor gathers. */
export type IndexItem = number | Slice | null | Tensor;

function binary(self: Tensor, other: TensorOrScalar, name: string): Tensor {
  return other instanceof Tensor ? op(`aten::${name}.Tensor`, self, other) : op(`aten::${name}.Scalar`, self, other);
}

function binaryInPlace(self: Tensor, other: TensorOrScalar, name: string): Tensor {
  return other instanceof Tensor ? opInPlace(self, `aten::${name}_.Tensor`, other) : opInPlace(self, `aten::${name}_.Scalar`, other);
}

function dims(d: number | number[]): number[] {
  return Array.isArray(d) ? d : [d];
}

export class TensorMethods {
  // --- elementwise arithmetic (broadcasting; scalars allowed) ---------------
  add(this: Tensor, other: TensorOrScalar, alpha: number = 1): Tensor {
    return other instanceof Tensor ? op('aten::add.Tensor', this, other, alpha) : op('aten::add.Scalar', this, other, alpha);
  }
  sub(this: Tensor, other: TensorOrScalar, alpha: number = 1): Tensor {
    return other instanceof Tensor ? op('aten::sub.Tensor', this, other, alpha) : op('aten::sub.Scalar', this, other, alpha);
  }
  /** `other - this` (for `1 - t`). */
  rsub(this: Tensor, other: Scalar): Tensor { return op('aten::rsub.Scalar', this, other); }
  mul(this: Tensor, other: TensorOrScalar): Tensor { return binary(this, other, 'mul'); }
  /** True division; `roundingMode` 'floor' or 'trunc' gives integer division. */
  div(this: Tensor, other: TensorOrScalar, roundingMode?: 'floor' | 'trunc'): Tensor {
    if (roundingMode) return other instanceof Tensor ? op('aten::div.Tensor_mode', this, other, roundingMode) : op('aten::div.Scalar_mode', this, other, roundingMode);
    return binary(this, other, 'div');
  }
  remainder(this: Tensor, other: TensorOrScalar): Tensor { return binary(this, other, 'remainder'); }
  pow(this: Tensor, exponent: TensorOrScalar): Tensor {
    return exponent instanceof Tensor ? op('aten::pow.Tensor_Tensor', this, exponent) : op('aten::pow.Tensor_Scalar', this, exponent);
  }
  neg(this: Tensor): Tensor { return op('aten::neg', this); }
  abs(this: Tensor): Tensor { return op('aten::abs', this); }
  sign(this: Tensor): Tensor { return op('aten::sign', this); }
  exp(this: Tensor): Tensor { return op('aten::exp', this); }
  log(this: Tensor): Tensor { return op('aten::log', this); }
  log1p(this: Tensor): Tensor { return op('aten::log1p', this); }
  sqrt(this: Tensor): Tensor { return op('aten::sqrt', this); }
  rsqrt(this: Tensor): Tensor { return op('aten::rsqrt', this); }
  square(this: Tensor): Tensor { return op('aten::square', this); }
  reciprocal(this: Tensor): Tensor { return op('aten::reciprocal', this); }
  sigmoid(this: Tensor): Tensor { return op('aten::sigmoid', this); }
  tanh(this: Tensor): Tensor { return op('aten::tanh', this); }
  atan(this: Tensor): Tensor { return op('aten::atan', this); }
  atan2(this: Tensor, other: Tensor): Tensor { return op('aten::atan2', this, other); }
  sin(this: Tensor): Tensor { return op('aten::sin', this); }
  cos(this: Tensor): Tensor { return op('aten::cos', this); }
  floor(this: Tensor): Tensor { return op('aten::floor', this); }
  ceil(this: Tensor): Tensor { return op('aten::ceil', this); }
  round(this: Tensor): Tensor { return op('aten::round', this); }
  trunc(this: Tensor): Tensor { return op('aten::trunc', this); }
  clamp(this: Tensor, min: TensorOrScalar | null = null, max: TensorOrScalar | null = null): Tensor {
    if (min instanceof Tensor || max instanceof Tensor) return op('aten::clamp.Tensor', this, min, max);
    return op('aten::clamp', this, min, max);
  }
  minimum(this: Tensor, other: Tensor): Tensor { return op('aten::minimum', this, other); }
  maximum(this: Tensor, other: Tensor): Tensor { return op('aten::maximum', this, other); }
  matmul(this: Tensor, other: Tensor): Tensor { return op('aten::matmul', this, other); }
  mm(this: Tensor, other: Tensor): Tensor { return op('aten::mm', this, other); }
  bmm(this: Tensor, other: Tensor): Tensor { return op('aten::bmm', this, other); }
  lerp(this: Tensor, end: Tensor, weight: TensorOrScalar): Tensor {
    return weight instanceof Tensor ? op('aten::lerp.Tensor', this, end, weight) : op('aten::lerp.Scalar', this, end, weight);
  }

  // --- comparison and logic ---------------------------------------------------
  eq(this: Tensor, other: TensorOrScalar): Tensor { return binary(this, other, 'eq'); }
  ne(this: Tensor, other: TensorOrScalar): Tensor { return binary(this, other, 'ne'); }
  lt(this: Tensor, other: TensorOrScalar): Tensor { return binary(this, other, 'lt'); }
  le(this: Tensor, other: TensorOrScalar): Tensor { return binary(this, other, 'le'); }
  gt(this: Tensor, other: TensorOrScalar): Tensor { return binary(this, other, 'gt'); }
  ge(this: Tensor, other: TensorOrScalar): Tensor { return binary(this, other, 'ge'); }
  logicalAnd(this: Tensor, other: Tensor): Tensor { return op('aten::logical_and', this, other); }
  logicalOr(this: Tensor, other: Tensor): Tensor { return op('aten::logical_or', this, other); }
  logicalNot(this: Tensor): Tensor { return op('aten::logical_not', this); }
  isnan(this: Tensor): Tensor { return op('aten::isnan', this); }
  isfinite(this: Tensor): Tensor { return op('aten::isfinite', this); }
  allclose(this: Tensor, other: Tensor, rtol = 1e-5, atol = 1e-8): boolean { return opValue('aten::allclose', this, other, rtol, atol) as boolean; }

  // --- in place (returns this) ----------------------------------------------
  add_(this: Tensor, other: TensorOrScalar, alpha: number = 1): Tensor {
    return other instanceof Tensor ? opInPlace(this, 'aten::add_.Tensor', other, alpha) : opInPlace(this, 'aten::add_.Scalar', other, alpha);
  }
  sub_(this: Tensor, other: TensorOrScalar, alpha: number = 1): Tensor {
    return other instanceof Tensor ? opInPlace(this, 'aten::sub_.Tensor', other, alpha) : opInPlace(this, 'aten::sub_.Scalar', other, alpha);
  }
  mul_(this: Tensor, other: TensorOrScalar): Tensor { return binaryInPlace(this, other, 'mul'); }
  div_(this: Tensor, other: TensorOrScalar): Tensor { return binaryInPlace(this, other, 'div'); }
  pow_(this: Tensor, exponent: Scalar): Tensor { return opInPlace(this, 'aten::pow_.Scalar', exponent); }
  clamp_(this: Tensor, min: Scalar | null = null, max: Scalar | null = null): Tensor { return opInPlace(this, 'aten::clamp_', min, max); }
  sqrt_(this: Tensor): Tensor { return opInPlace(this, 'aten::sqrt_'); }
  exp_(this: Tensor): Tensor { return opInPlace(this, 'aten::exp_'); }
  sigmoid_(this: Tensor): Tensor { return opInPlace(this, 'aten::sigmoid_'); }
  neg_(this: Tensor): Tensor { return opInPlace(this, 'aten::neg_'); }
  zero_(this: Tensor): Tensor { return opInPlace(this, 'aten::zero_'); }
  fill_(this: Tensor, value: Scalar): Tensor { return opInPlace(this, 'aten::fill_.Scalar', value); }
  copy_(this: Tensor, src: Tensor): Tensor { return opInPlace(this, 'aten::copy_', src); }
  /** this += value * t1 * t2 */
  addcmul_(this: Tensor, t1: Tensor, t2: Tensor, value: number = 1): Tensor { return opInPlace(this, 'aten::addcmul_', t1, t2, value); }
  /** this += value * t1 / t2 */
  addcdiv_(this: Tensor, t1: Tensor, t2: Tensor, value: number = 1): Tensor { return opInPlace(this, 'aten::addcdiv_', t1, t2, value); }
  lerp_(this: Tensor, end: Tensor, weight: Scalar): Tensor { return opInPlace(this, 'aten::lerp_.Scalar', end, weight); }
  maskedFill_(this: Tensor, mask: Tensor, value: TensorOrScalar): Tensor {
    return value instanceof Tensor ? opInPlace(this, 'aten::masked_fill_.Tensor', mask, value) : opInPlace(this, 'aten::masked_fill_.Scalar', mask, value);
  }
  uniform_(this: Tensor, from = 0, to = 1): Tensor { return opInPlace(this, 'aten::uniform_', from, to); }
  normal_(this: Tensor, mean = 0, std = 1): Tensor { return opInPlace(this, 'aten::normal_', mean, std); }

  // --- reductions -------------------------------------------------------------
  sum(this: Tensor, dim?: number | number[], keepdim = false, dtype?: DType): Tensor {
    const dt = dtype === undefined ? null : dtypeCode(dtype);
    return dim === undefined ? op('aten::sum', this, dt) : op('aten::sum.dim_IntList', this, dims(dim), keepdim, dt);
  }
  mean(this: Tensor, dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? op('aten::mean', this) : op('aten::mean.dim', this, dims(dim), keepdim);
  }
  prod(this: Tensor, dim?: number, keepdim = false): Tensor {
    return dim === undefined ? op('aten::prod', this) : op('aten::prod.dim_int', this, dim, keepdim);
  }
  /** Maximum of all elements. */
  max(this: Tensor): Tensor { return op('aten::max', this); }
  min(this: Tensor): Tensor { return op('aten::min', this); }
  /** Maximum along a dimension: values and their indices. */
  maxDim(this: Tensor, dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = opMany('aten::max.dim', this, dim, keepdim);
    return { values, indices };
  }
  minDim(this: Tensor, dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = opMany('aten::min.dim', this, dim, keepdim);
    return { values, indices };
  }
  argmax(this: Tensor, dim?: number, keepdim = false): Tensor { return op('aten::argmax', this, dim ?? null, keepdim); }
  argmin(this: Tensor, dim?: number, keepdim = false): Tensor { return op('aten::argmin', this, dim ?? null, keepdim); }
  all(this: Tensor): Tensor { return op('aten::all', this); }
  any(this: Tensor): Tensor { return op('aten::any', this); }
  topk(this: Tensor, k: number, dim = -1, largest = true, sorted = true): { values: Tensor; indices: Tensor } {
    const [values, indices] = opMany('aten::topk', this, k, dim, largest, sorted);
    return { values, indices };
  }
  /** Sorted values and indices; `stable` keeps equal elements in input order. */
  sort(this: Tensor, dim = -1, descending = false, stable = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = opMany('aten::sort.stable', this, stable, dim, descending);
    return { values, indices };
  }
  argsort(this: Tensor, dim = -1, descending = false): Tensor { return op('aten::argsort', this, dim, descending); }
  cumsum(this: Tensor, dim: number): Tensor { return op('aten::cumsum', this, dim); }
  norm(this: Tensor, p = 2): Tensor { return op('aten::norm.Scalar', this, p); }

  // --- shape and views --------------------------------------------------------
  reshape(this: Tensor, shape: number[]): Tensor { return op('aten::reshape', this, shape); }
  view(this: Tensor, shape: number[]): Tensor { return op('aten::view', this, shape); }
  permute(this: Tensor, order: number[]): Tensor { return op('aten::permute', this, order); }
  transpose(this: Tensor, dim0: number, dim1: number): Tensor { return op('aten::transpose.int', this, dim0, dim1); }
  t(this: Tensor): Tensor { return op('aten::t', this); }
  squeeze(this: Tensor, dim?: number): Tensor { return dim === undefined ? op('aten::squeeze', this) : op('aten::squeeze.dim', this, dim); }
  unsqueeze(this: Tensor, dim: number): Tensor { return op('aten::unsqueeze', this, dim); }
  expand(this: Tensor, shape: number[]): Tensor { return op('aten::expand', this, shape); }
  expandAs(this: Tensor, other: Tensor): Tensor { return op('aten::expand_as', this, other); }
  contiguous(this: Tensor): Tensor { return op('aten::contiguous', this); }
  /** Row-major contiguous, by PyTorch's rule: sizes-1 dims and empty tensors do not count (libtorch has no aten::is_contiguous op to call). */
  isContiguous(this: Tensor): boolean {
    const [shape, strides] = [this.shape, this.stride()];
    if (shape.includes(0)) return true;
    let expected = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (shape[d] === 1) continue;
      if (strides[d] !== expected) return false;
      expected *= shape[d];
    }
    return true;
  }
  flatten(this: Tensor, startDim = 0, endDim = -1): Tensor { return op('aten::flatten.using_ints', this, startDim, endDim); }
  narrow(this: Tensor, dim: number, start: number, length: number): Tensor { return op('aten::narrow', this, dim, start, length); }
  /** Python's `t[..., start:end:step]` along `dim` (a view). */
  slice(this: Tensor, dim: number, start: number | null = null, end: number | null = null, step = 1): Tensor {
    return op('aten::slice.Tensor', this, dim, start, end, step);
  }
  /** Python's `t[..., index]` along `dim`: removes the dimension. */
  select(this: Tensor, dim: number, index: number): Tensor { return op('aten::select.int', this, dim, index); }
  flip(this: Tensor, dimsToFlip: number | number[]): Tensor { return op('aten::flip', this, dims(dimsToFlip)); }
  /** Pieces of `size` along `dim` (the last may be smaller), or of the given sizes. */
  split(this: Tensor, size: number | number[], dim = 0): Tensor[] {
    return Array.isArray(size) ? opMany('aten::split_with_sizes', this, size, dim) : opMany('aten::split.Tensor', this, size, dim);
  }
  chunk(this: Tensor, chunks: number, dim = 0): Tensor[] { return opMany('aten::chunk', this, chunks, dim); }
  repeat(this: Tensor, repeats: number[]): Tensor { return op('aten::repeat', this, repeats); }

  // --- indexing ---------------------------------------------------------------
  indexSelect(this: Tensor, dim: number, index: Tensor): Tensor { return op('aten::index_select', this, dim, index); }
  gather(this: Tensor, dim: number, index: Tensor): Tensor { return op('aten::gather', this, dim, index); }
  scatter(this: Tensor, dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    return src instanceof Tensor ? op('aten::scatter.src', this, dim, index, src) : op('aten::scatter.value', this, dim, index, src);
  }
  scatter_(this: Tensor, dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    return src instanceof Tensor ? opInPlace(this, 'aten::scatter_.src', dim, index, src) : opInPlace(this, 'aten::scatter_.value', dim, index, src);
  }
  scatterAdd(this: Tensor, dim: number, index: Tensor, src: Tensor): Tensor { return op('aten::scatter_add', this, dim, index, src); }
  maskedSelect(this: Tensor, mask: Tensor): Tensor { return op('aten::masked_select', this, mask); }
  maskedFill(this: Tensor, mask: Tensor, value: TensorOrScalar): Tensor {
    return value instanceof Tensor ? op('aten::masked_fill.Tensor', this, mask, value) : op('aten::masked_fill.Scalar', this, mask, value);
  }
  /** Indices of non-zero elements, `[n, ndim]` int64. */
  nonzero(this: Tensor): Tensor { return op('aten::nonzero', this); }
  /**
   * Python-style indexing, `t[b, a, j, i, 0:2]` is `t.index(b, a, j, i, {start: 0, end: 2})`.
   * Integers and slices are applied first as views; tensors (int64 or bool)
   * then index the remaining dimensions together, as PyTorch's advanced
   * indexing does (null keeps a dimension whole).
   */
  index(this: Tensor, ...items: IndexItem[]): Tensor {
    const { view, advanced } = basicIndex(this, items);
    if (advanced.every((a) => a === null)) return view;
    const result = op('aten::index.Tensor', view, advanced);
    if (view !== this) view.dispose();
    return result;
  }
  /** Python's `t[items] = value` in place, through the same indexing rules as `index()`. */
  indexPut_(this: Tensor, items: IndexItem[], value: TensorOrScalar, accumulate = false): Tensor {
    const { view, advanced } = basicIndex(this, items);
    try {
      if (advanced.every((a) => a === null)) {
        if (value instanceof Tensor) view.copy_(value);
        else view.fill_(value);
      } else {
        const values = value instanceof Tensor ? value : scalarLike(view, value);
        opInPlace(view, 'aten::index_put_', advanced, values, accumulate);
        if (values !== value) values.dispose();
      }
    } finally {
      if (view !== this) view.dispose();
    }
    return this;
  }
}

function scalarLike(t: Tensor, value: Scalar): Tensor {
  return op('aten::scalar_tensor', value, dtypeCode(t.dtype), null, t.device, null);
}

/** Applies integer and slice items as views; returns the tensor items per remaining dimension. */
function basicIndex(self: Tensor, items: IndexItem[]): { view: Tensor; advanced: (Tensor | null)[] } {
  let view = self;
  let dim = 0;
  const advanced: (Tensor | null)[] = [];
  const replace = (next: Tensor) => {
    if (view !== self) view.dispose();
    view = next;
  };
  const consumed = items.reduce<number>((n, item) => n + (item instanceof Tensor && item.dtype === 'bool' ? item.ndim : 1), 0);
  if (consumed > self.ndim) throw new RangeError(`too many indices (${items.length}) for a tensor of ${self.ndim} dimensions`);
  for (const item of items) {
    if (typeof item === 'number') {
      replace(view.select(dim, item));
    } else if (item === null) {
      advanced.push(null);
      dim++;
    } else if (item instanceof Tensor) {
      advanced.push(item);
      dim++;
    } else {
      replace(view.slice(dim, item.start ?? null, item.end ?? null, item.step ?? 1));
      advanced.push(null);
      dim++;
    }
  }
  while (advanced.length && advanced[advanced.length - 1] === null) advanced.pop();
  return { view, advanced };
}

declare module './tensor.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-interface
  interface Tensor extends TensorMethods {}
}

/** Copies the methods above onto Tensor.prototype. */
export function installTensorMethods(target: { prototype: object }): void {
  for (const name of Object.getOwnPropertyNames(TensorMethods.prototype)) {
    if (name === 'constructor') continue;
    Object.defineProperty(target.prototype, name, Object.getOwnPropertyDescriptor(TensorMethods.prototype, name)!);
  }
}
