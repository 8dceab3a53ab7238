// Gradient buckets as PyTorch's reducer (torch/csrc/distributed/c10d/
// reducer.cpp, compute_bucket_assignment_by_size) forms them: parameters in
// reverse order (gradients become ready roughly from the last layer back),
// split by dtype, a bucket closed once it holds at least its size limit; the
// first bucket is small (DDP's _DEFAULT_FIRST_BUCKET_BYTES, 1 MiB) so that
// its allreduce can start early, the rest 25 MiB (DDP's bucket_cap_mb).
import { DTYPE_BYTES, type Tensor } from '../../torch/index.js';

export const FIRST_BUCKET_BYTES = 1024 * 1024;
export const BUCKET_BYTES = 25 * 1024 * 1024;

/** Indices into the parameter list, one array per bucket, in the order their allreduce runs. */
export function bucketAssignment(params: readonly Tensor[], limits: { first?: number; rest?: number } = {}): number[][] {
  const first = limits.first ?? FIRST_BUCKET_BYTES;
  const rest = limits.rest ?? BUCKET_BYTES;
  const buckets: number[][] = [];
  const open = new Map<string, { indices: number[]; bytes: number; limit: number }>();
  const closed = new Set<string>(); // as reducer.cpp, each dtype's first bucket has the small limit
  for (let i = params.length - 1; i >= 0; i--) {
    const dtype = params[i].dtype;
    let bucket = open.get(dtype);
    if (!bucket) open.set(dtype, (bucket = { indices: [], bytes: 0, limit: closed.has(dtype) ? rest : first }));
    bucket.indices.push(i);
    bucket.bytes += params[i].numel() * DTYPE_BYTES[dtype];
    if (bucket.bytes >= bucket.limit) {
      buckets.push(bucket.indices);
      open.delete(dtype);
      closed.add(dtype);
    }
  }
  for (const b of open.values()) buckets.push(b.indices);
  return buckets;
}
