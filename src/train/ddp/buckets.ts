// Gradient buckets as PyTorch's DDP forms them at construction: torch's
// compute_bucket_assignment_by_size (torch/csrc/distributed/c10d/
// reducer.cpp) over the parameters in model order, split by dtype, a bucket
// closed once it holds at least its size limit (each dtype's first bucket
// 1 MiB, DDP's _DEFAULT_FIRST_BUCKET_BYTES, then 25 MiB, bucket_cap_mb),
// buckets sorted by their first parameter, then reversed as DDP hands them
// to the reducer: gradients become ready from the last layer back, so the
// buckets of the last layers are reduced first.
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
  params.forEach((p, i) => {
    const dtype = p.dtype;
    let bucket = open.get(dtype);
    if (!bucket) open.set(dtype, (bucket = { indices: [], bytes: 0, limit: closed.has(dtype) ? rest : first }));
    bucket.indices.push(i);
    bucket.bytes += p.numel() * DTYPE_BYTES[dtype];
    if (bucket.bytes >= bucket.limit) {
      buckets.push(bucket.indices);
      open.delete(dtype);
      closed.add(dtype);
    }
  });
  for (const b of open.values()) buckets.push(b.indices);
  return buckets.sort((a, b) => a[0] - b[0]).reverse();
}
