// Functions over several tensors: cat, stack, where.
import { Tensor, op, opMany, type Scalar } from './tensor.js';

export function cat(tensors: Tensor[], dim = 0): Tensor { return op('aten::cat', tensors, dim); }
export function stack(tensors: Tensor[], dim = 0): Tensor { return op('aten::stack', tensors, dim); }

/** Elementwise choice: `condition ? a : b` (scalars allowed on either side). */
export function where(condition: Tensor, a: Tensor | Scalar, b: Tensor | Scalar): Tensor {
  if (a instanceof Tensor && b instanceof Tensor) return op('aten::where.self', condition, a, b);
  if (a instanceof Tensor) return op('aten::where.ScalarOther', condition, a, b);
  if (b instanceof Tensor) return op('aten::where.ScalarSelf', condition, a, b);
  return op('aten::where.Scalar', condition, a, b);
}

/** Indices of true elements, one int64 tensor per dimension (torch.where(cond)). */
export function nonzeroTuple(condition: Tensor): Tensor[] { return opMany('aten::nonzero_numpy', condition); }

/** Grids for each 1-d input (torch.meshgrid(..., indexing='ij')). */
export function meshgrid(tensors: Tensor[], indexing: 'ij' | 'xy' = 'ij'): Tensor[] {
  return opMany('aten::meshgrid.indexing', tensors, indexing);
}
