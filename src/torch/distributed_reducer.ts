// libtorch's own DDP reducer (c10d::Reducer; native/src/distributed_reducer.cpp)
// on a process group: gradients averaged over the ranks in buckets whose
// allreduce starts during backward, as soon as all of a bucket's gradients
// are ready, and is waited for (the means copied into .grad) before
// backward returns. Only a backward armed by prepare() reduces: one that is
// not (the micro-batches of gradient accumulation) only accumulates, as
// under DDP's no_sync. Every parameter must get a gradient in every armed
// backward (DDP's find_unused_parameters=False), and every rank must arm
// the same backwards: prepare() may run a collective.
import { native, type ReducerHandle, type ReducerInfo } from './native.js';
import type { Tensor } from './tensor.js';
import type { ProcessGroup } from './distributed.js';

export type { ReducerInfo };

export class DdpReducer {
  #handle: ReducerHandle | null;

  /**
   * Hooks the parameters' gradient accumulators (leaves that require grad);
   * the buckets are DDP's (compute_bucket_assignment_by_size, reversed),
   * `firstBucketBytes` then `bucketBytes` each.
   */
  constructor(readonly group: ProcessGroup, readonly params: readonly Tensor[], firstBucketBytes: number, bucketBytes: number) {
    this.#handle = native.reducerCreate(group.nativeHandle, params.map((p) => p.handle), firstBucketBytes, bucketBytes);
  }

  get #h(): ReducerHandle {
    if (this.#handle === null) throw new Error(`rank ${this.group.rank}: the gradient reducer was already destroyed`);
    return this.#handle;
  }

  /**
   * Arms the next backward to reduce. The first call after an armed
   * backward rebuilds the buckets in the order that backward made the
   * gradients ready (rank 0's, broadcast), as DDP does once; returns
   * whether it did.
   */
  prepare(): boolean {
    return native.reducerPrepare(this.#h);
  }

  /** The buckets, their bytes, and the reducer's timestamps of its last armed backward. */
  info(): ReducerInfo {
    return native.reducerInfo(this.#h);
  }

  /** Takes the hooks off the parameters. Idempotent. */
  destroy(): void {
    if (this.#handle === null) return;
    native.reducerDestroy(this.#handle);
    this.#handle = null;
  }
}
