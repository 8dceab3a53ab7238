"""torch.nn.SyncBatchNorm on CPU, for the sync-BN case of the DDP parity
test (test/train/ddp/parity.test.ts, through ddp_reference.py).

PyTorch 1.13's SyncBatchNorm refuses CPU tensors ("SyncBatchNorm expected
input tensor to be on GPU"), and the kernels its autograd Function calls
(aten::batch_norm_stats, batch_norm_gather_stats_with_counts,
batch_norm_elemt, batch_norm_backward_reduce, batch_norm_backward_elemt)
have CUDA kernels only. So this is a transcription of PyTorch's own
algorithm: the Function of torch/nn/modules/_functions.py SyncBatchNorm
(all_gather of every rank's mean, invstd and count; the combination of
batch_norm_gather_stats_with_counts; in backward the allreduce of sum_dy and
sum_dy_xmu; grad_weight and grad_bias local, left to DDP to average) and
the module's forward of torch/nn/modules/batchnorm.py SyncBatchNorm, with
each CUDA kernel written out as plain CPU tensor math
(aten/src/ATen/native/cuda/Normalization.cuh). It shares no code with ours
(src/nn/sync_batchnorm.ts builds the statistics from a differentiable
allreduce, in two passes).
"""
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

DIMS = (0, 2, 3)


def view(t):
    return t.view(1, -1, 1, 1)


def batch_norm_stats(x, eps):
    """Per-channel mean and 1 / sqrt(biased var + eps) of this rank's batch (Welford in the kernel)."""
    mean = x.mean(DIMS)
    var = (x - view(mean)).square().mean(DIMS)
    return mean, 1.0 / torch.sqrt(var + eps)


def gather_stats_with_counts(mean_all, invstd_all, running_mean, running_var, momentum, eps, counts):
    """batch_norm_reduce_statistics_kernel: Chan's parallel combination, rank by rank, then the running update."""
    n = torch.zeros(())
    avg = torch.zeros_like(mean_all[0])
    var_n = torch.zeros_like(mean_all[0])
    for j in range(mean_all.shape[0]):
        count, m = counts[j], mean_all[j]
        v = 1.0 / invstd_all[j]
        v = (v * v - eps) * count
        factor = 1.0 / (n + count)
        var_n += v + (avg - m) ** 2 * n * count * factor
        avg = n * factor * avg + count * factor * m
        n = n + count
    mean, invstd = avg, 1.0 / torch.sqrt(var_n / n + eps)
    if running_mean is not None:
        running_mean.copy_((1 - momentum) * running_mean + momentum * avg)
    if running_var is not None:
        running_var.copy_((1 - momentum) * running_var + momentum * var_n / (n - 1))
    return mean, invstd


class SyncBatchNormFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, eps, momentum, process_group, world_size):
        x = x.contiguous()
        c = x.shape[1]
        mean, invstd = batch_norm_stats(x, eps)
        count = torch.full((1,), x.numel() // c, dtype=mean.dtype)
        combined = torch.cat([mean, invstd, count], dim=0)
        combined_list = [torch.empty_like(combined) for _ in range(world_size)]
        dist.all_gather(combined_list, combined, process_group, async_op=False)
        mean_all, invstd_all, count_all = torch.split(torch.stack(combined_list, dim=0), c, dim=1)
        mask = count_all.squeeze(-1) >= 1
        count_all, mean_all, invstd_all = count_all[mask], mean_all[mask], invstd_all[mask]
        mean, invstd = gather_stats_with_counts(mean_all, invstd_all, running_mean, running_var, momentum, eps, count_all.view(-1))
        ctx.save_for_backward(x, weight, mean, invstd, count_all.to(torch.int32))
        ctx.process_group = process_group
        # batch_norm_elemt
        return (x - view(mean)) * view(invstd * weight) + view(bias)

    @staticmethod
    def backward(ctx, grad_output):
        dy = grad_output.contiguous()
        x, weight, mean, invstd, count = ctx.saved_tensors
        xmu = x - view(mean)
        # batch_norm_backward_reduce
        sum_dy = dy.sum(DIMS)
        sum_dy_xmu = (dy * xmu).sum(DIMS)
        grad_weight = sum_dy_xmu * invstd
        grad_bias = sum_dy
        c = sum_dy.shape[0]
        combined = torch.cat([sum_dy, sum_dy_xmu], dim=0)
        dist.all_reduce(combined, dist.ReduceOp.SUM, ctx.process_group, async_op=False)
        sum_dy, sum_dy_xmu = torch.split(combined, c)
        # batch_norm_backward_elemt
        norm_fct = 1.0 / count.sum().to(dy.dtype)
        mean_dy, mean_dy_xmu = sum_dy * norm_fct, sum_dy_xmu * norm_fct
        grad_input = (dy - view(mean_dy) - xmu * view(invstd * invstd * mean_dy_xmu)) * view(invstd * weight)
        return grad_input, grad_weight, grad_bias, None, None, None, None, None, None


class CpuSyncBatchNorm(nn.BatchNorm2d):
    """nn.SyncBatchNorm's forward (momentum given, running stats tracked) on the transcribed Function."""

    process_group = None

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        self.num_batches_tracked.add_(1)
        group = self.process_group or dist.group.WORLD
        world_size = dist.get_world_size(group)
        if world_size == 1:
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, True, self.momentum, self.eps)
        return SyncBatchNormFunction.apply(x, self.weight, self.bias, self.running_mean, self.running_var,
                                           self.eps, self.momentum, group, world_size)


def convert_sync_batchnorm(module):
    """nn.SyncBatchNorm.convert_sync_batchnorm: the same parameters and buffers in a CpuSyncBatchNorm."""
    out = module
    if isinstance(module, nn.BatchNorm2d):
        out = CpuSyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats)
        out.weight, out.bias = module.weight, module.bias
        out.running_mean, out.running_var, out.num_batches_tracked = module.running_mean, module.running_var, module.num_batches_tracked
        out.training = module.training
    for name, child in module.named_children():
        out.add_module(name, convert_sync_batchnorm(child))
    return out
