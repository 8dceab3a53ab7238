// BatchNorm2d's training step with its statistics taken over every rank's
// samples, as torch.nn.SyncBatchNorm: the mean and biased variance of all
// ranks' batches together (each rank weighted by its count), normalisation
// with them, and the running statistics updated with that mean and the
// unbiased variance of the total count. Built from the differentiable
// allreduce (ProcessGroup.allreduceSumAutograd), so autograd gives every
// rank's input the gradient of all ranks' losses through the shared
// statistics, as SyncBatchNorm's backward (its allreduced sum_dy and
// sum_dy_xmu) does.
//
// Two passes, two collectives: first the per-channel sums with the count,
// giving the mean; then the sums of (x - mean)², giving the variance. One
// pass of Σx and Σx² (one collective) would take the variance as
// E[x²] - E[x]², which cancels catastrophically in float32 where |mean| is
// large against the spread (conv outputs after a bias-free conv often are);
// the two-pass form has no such cancellation. Both reductions accumulate in
// float64 (as ATen's CPU batch_norm does), so the count (over 2^24 at large
// batches) stays exact and the mean is not off by float32 rounding of a
// large sum: with float32 sums, test/nn/sync_batchnorm.test.ts (values
// around 50) measured a weight gradient 3e-5 off; with float64, 1.2e-6.
// The cost: ATen casts x to float64 first (16 ms against 2 ms for a float32
// sum of [4, 64, 304, 304] on one thread, where BatchNorm itself takes 45 ms).
import { Tensor, cat, full, noGrad, tidy, type Device } from '../torch/index.js';
import type { ProcessGroup } from '../torch/distributed.js';

export interface SyncBatchNormArgs {
  weight: Tensor;
  bias: Tensor;
  runningMean: Tensor;
  runningVar: Tensor;
  momentum: number;
  eps: number;
  group: ProcessGroup;
}

/** Training-mode batch norm of x [N, C, H, W] over all ranks of `a.group`; updates the running statistics in place. */
export function syncBatchNormTraining(x: Tensor, a: SyncBatchNormArgs): Tensor {
  return tidy(() => {
    const c = x.shape[1];
    const shape = [1, c, 1, 1];
    const local = cat([x.sum([0, 2, 3], false, 'float64'), full([1], x.numel() / c, { dtype: 'float64', device: x.device as Device })]);
    const global = a.group.allreduceSumAutograd(local);
    const n = global.select(0, c).item();
    // every rank sees the same n, so every rank refuses together (no rank is left in a collective)
    if (n <= 1) throw new Error(`SyncBatchNorm: expected more than 1 value per channel when training, got ${n} over ${a.group.worldSize} ranks`);
    const mean = global.narrow(0, 0, c).div(n).to(x.dtype);
    const xmu = x.sub(mean.view(shape));
    const variance = a.group.allreduceSumAutograd(xmu.square().sum([0, 2, 3], false, 'float64')).div(n).to(x.dtype);
    noGrad(() => {
      a.runningMean.mul_(1 - a.momentum).add_(mean.mul(a.momentum));
      a.runningVar.mul_(1 - a.momentum).add_(variance.mul(a.momentum * n / (n - 1)));
    });
    const scale = variance.add(a.eps).rsqrt().mul(a.weight);
    return xmu.mul(scale.view(shape)).add(a.bias.view(shape));
  });
}
