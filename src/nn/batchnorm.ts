import { Tensor, F, ones, zeros, noGrad } from '../torch/index.js';
import { Module } from './module.js';

/** BatchNorm2d: batch statistics in training (updating the running ones), running statistics in eval. */
export class BatchNorm2d extends Module {
  readonly eps: number;
  readonly momentum: number;

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

  forward(x: Tensor): Tensor {
    if (this.training) noGrad(() => this.numBatchesTracked.add_(1));
    return F.batchNorm(x, this.runningMean, this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
}
