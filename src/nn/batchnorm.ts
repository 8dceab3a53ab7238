import { Tensor, F, ones, zeros, noGrad, opInPlace } from '../torch/index.js';
import type { ProcessGroup } from '../torch/distributed.js';
import { Module } from './module.js';
import { syncBatchNormTraining } from './sync_batchnorm.js';

/** BatchNorm2d: batch statistics in training (updating the running ones), running statistics in eval. */
export class BatchNorm2d extends Module {
  readonly eps: number;
  readonly momentum: number;
  /**
   * Set by convertSyncBatchNorm: training takes its statistics over this
   * group's ranks (torch.nn.SyncBatchNorm); null, or a group of one rank
   * (as PyTorch's SyncBatchNorm with world size 1): this process's batch.
   */
  processGroup: ProcessGroup | null = null;

  constructor(readonly numFeatures: number, o: { eps?: number; momentum?: number } = {}) {
    super();
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum ?? 0.1;
    this.registerParameter('weight', ones([numFeatures]));
    this.registerParameter('bias', zeros([numFeatures]));
    this.registerBuffer('running_mean', zeros([numFeatures]));
    this.registerBuffer('running_var', ones([numFeatures]));
    this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64' }));
  }

  get weight(): Tensor { return this.tensor('weight')!; }
  get bias(): Tensor { return this.tensor('bias')!; }
  get runningMean(): Tensor { return this.tensor('running_mean')!; }
  get runningVar(): Tensor { return this.tensor('running_var')!; }
  get numBatchesTracked(): Tensor { return this.tensor('num_batches_tracked')!; }
  /** Whether training takes its statistics over several ranks (processGroup of more than one). */
  get synchronised(): boolean { return this.processGroup !== null && this.processGroup.worldSize > 1; }

  forward(x: Tensor): Tensor {
    if (this.training) noGrad(() => this.numBatchesTracked.add_(1));
    if (this.training && this.synchronised) {
      const { weight, bias, runningMean, runningVar, momentum, eps } = this;
      return syncBatchNormTraining(x, { weight, bias, runningMean, runningVar, momentum, eps, group: this.processGroup! });
    }
    return F.batchNorm(x, this.runningMean, this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }

  /**
   * leakyRelu(forward(x)): in training mode, unless synchronised over ranks,
   * F.batchNormLeaky (one fused forward); otherwise the leaky ReLU in place
   * on forward's new output (negativeSlope ≥ 0: its backward needs only that
   * output's sign).
   */
  forwardLeaky(x: Tensor, negativeSlope: number): Tensor {
    if (!this.training || this.synchronised) {
      const y = this.forward(x);
      return negativeSlope >= 0 ? opInPlace(y, 'aten::leaky_relu_', negativeSlope) : F.leakyRelu(y, negativeSlope);
    }
    noGrad(() => this.numBatchesTracked.add_(1));
    const { weight, bias, momentum, eps } = this;
    return F.batchNormLeaky(x, this.runningMean, this.runningVar, { weight, bias, momentum, eps, negativeSlope });
  }
}

/**
 * torch.nn.SyncBatchNorm.convert_sync_batchnorm, in place: every
 * BatchNorm2d under `module` takes its training statistics over `group`
 * (null: back to per-process statistics). The modules, and so the names of
 * their parameters and buffers, stay as they are (other modules hold them,
 * as a ConvBlock its `bn`): checkpoints load either way. Returns the layers converted.
 */
export function convertSyncBatchNorm(module: Module, group: ProcessGroup | null): BatchNorm2d[] {
  const layers = [...module.namedModules()].map(([, m]) => m).filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
  for (const bn of layers) bn.processGroup = group;
  return layers;
}
