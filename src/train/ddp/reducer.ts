// Gradient averaging across ranks, as DDP's reducer: each bucket's
// gradients are packed into one flat tensor, scaled by 1/world while being
// copied in (reducer.cpp's mark_variable_ready_dense divides before the
// sum), summed over the ranks with one allreduce, and copied back. It runs
// after backward, bucket by bucket in the reducer's order, just before the
// optimizer step (the default; with --ddp-overlap, overlap.ts starts each
// bucket's allreduce during backward instead, as PyTorch does; the sums
// are the same).
// A parameter without a gradient on this rank contributes zeros, so every
// rank still reduces the same buckets (DDP would need find_unused_parameters).
import * as torch from '../../torch/index.js';
import type { ProcessGroup } from '../../torch/distributed.js';
import { bucketAssignment } from './buckets.js';

export interface ReduceStats {
  /** The allreduces' time, first bucket's start to last bucket's end. */
  seconds: number;
  /** The part of it not hidden behind backward (here all of it). */
  exposedSeconds: number;
  bytes: number;
  buckets: number;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

export class GradientReducer {
  readonly buckets: number[][];

  constructor(readonly group: ProcessGroup, readonly params: readonly torch.Tensor[], limits?: { first?: number; rest?: number }) {
    this.buckets = bucketAssignment(params, limits);
  }

  /** Replaces every parameter's gradient by its mean over the ranks. */
  averageGradients(): ReduceStats {
    const t0 = now();
    let bytes = 0;
    const scale = 1 / this.group.worldSize;
    torch.noGrad(() => {
      for (const bucket of this.buckets) bytes += this.#reduceBucket(bucket, scale);
    });
    const seconds = now() - t0;
    return { seconds, exposedSeconds: seconds, bytes, buckets: this.buckets.length };
  }

  #reduceBucket(bucket: readonly number[], scale: number): number {
    return torch.tidy(() => {
      const own = bucket.map((i) => this.params[i].grad);
      const grads = own.map((g, k) => g ?? torch.zerosLike(this.params[bucket[k]]));
      const flat = torch.cat(grads.map((g) => g.reshape([-1]).mul(scale)));
      this.group.allreduceSum([flat]);
      let at = 0;
      bucket.forEach((i, k) => {
        const p = this.params[i];
        const n = p.numel();
        const mean = flat.narrow(0, at, n).view(p.shape);
        at += n;
        if (own[k] === null) p.grad = mean.clone();
        else grads[k].copy_(mean);
      });
      return flat.numel() * torch.DTYPE_BYTES[flat.dtype];
    });
  }
}
