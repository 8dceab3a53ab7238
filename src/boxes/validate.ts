// Input checks shared by the box tools: a wrong shape or a NaN coordinate is
// a caller's bug, so it fails loudly here rather than as a NaN metric later.
import type { Tensor } from '../torch/index.js';

/** Throws unless `t` is a float tensor whose last dimension is 4 (`ndim` when given). */
export function checkBoxTensor(t: Tensor, name: string, ndim?: number): void {
  const shape = t.shape;
  if (shape.length === 0 || shape[shape.length - 1] !== 4 || (ndim !== undefined && shape.length !== ndim)) {
    const want = ndim === 2 ? '[N, 4]' : '[..., 4]';
    throw new RangeError(`${name}: expected boxes of shape ${want}, got [${shape.join(', ')}]`);
  }
  if (!t.dtype.startsWith('float') && t.dtype !== 'bfloat16') {
    throw new TypeError(`${name}: expected a floating-point tensor, got ${t.dtype}`);
  }
}

/** Throws if any value of a typed array or array is NaN or infinite. */
export function checkFinite(values: ArrayLike<number>, name: string, width = 4): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RangeError(`${name}: non-finite value ${values[i]} at row ${Math.floor(i / width)}`);
    }
  }
}

/** Throws if a tensor holds NaN or infinity (one host sync). */
export function checkFiniteTensor(t: Tensor, name: string): void {
  if (t.numel() === 0) return;
  const bad = t.isfinite().logicalNot();
  const any = bad.any();
  const found = any.item() !== 0;
  any.dispose();
  if (found) {
    const row = bad.nonzero();
    const first = row.numel() > 0 ? row.select(0, 0).toArray() : [];
    row.dispose();
    bad.dispose();
    throw new RangeError(`${name}: non-finite box coordinate at index [${first.join(', ')}]`);
  }
  bad.dispose();
}

/** Throws unless `b` is 4 finite numbers. */
export function checkBox(b: ArrayLike<number>, name = 'box'): void {
  if (b.length !== 4) throw new RangeError(`${name}: expected 4 numbers, got ${b.length}`);
  checkFinite(b, name);
}
