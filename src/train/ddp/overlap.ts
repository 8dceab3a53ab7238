// Gradient averaging overlapped with backward, as PyTorch's DDP: libtorch's
// own reducer (torch.distributed.DdpReducer) on the parameters that train,
// in DDP's buckets (1 MiB first, then 25 MiB; buckets.ts computes the same
// assignment in TypeScript), each bucket's allreduce started from the
// autograd hooks as soon as its gradients are ready. arm() before the
// forward of a micro-batch whose optimizer step follows (DDP's
// require_backward_grad_sync); the others only accumulate (no_sync). The
// means are in .grad when backward returns.
import * as torch from '../../torch/index.js';
import type { ProcessGroup } from '../../torch/distributed.js';
import { BUCKET_BYTES, FIRST_BUCKET_BYTES } from './buckets.js';
import type { ReduceStats } from './reducer.js';

const seconds = (fromNs: number, toNs: number) => (fromNs >= 0 && toNs >= fromNs ? (toNs - fromNs) / 1e9 : 0);

export class OverlappedReducer {
  readonly reducer: torch.distributed.DdpReducer;

  /** Frozen parameters (requires_grad false) are left out, as DDP leaves them. */
  constructor(readonly group: ProcessGroup, params: readonly torch.Tensor[], limits: { first?: number; rest?: number } = {}) {
    const trained = params.filter((p) => p.requiresGrad);
    this.reducer = new torch.distributed.DdpReducer(group, trained, limits.first ?? FIRST_BUCKET_BYTES, limits.rest ?? BUCKET_BYTES);
  }

  /** The next backward reduces (call on every rank for the same micro-batches). */
  arm(): void {
    this.reducer.prepare();
  }

  /**
   * The last armed backward's reduction: `seconds` from the first bucket's
   * allreduce to the last one's end (mostly during backward), `exposedSeconds`
   * the part after autograd's last gradient (what backward waited for).
   */
  stats(): ReduceStats {
    const i = this.reducer.info();
    return { seconds: seconds(i.commStartNs, i.commEndNs), exposedSeconds: seconds(i.computeEndNs, i.commEndNs), bytes: i.bytes, buckets: i.buckets.length };
  }

  destroy(): void {
    this.reducer.destroy();
  }
}
