import { Tensor, F, empty, op } from '../torch/index.js';
import { Module } from './module.js';
import { defaultConvWeight_, uniform_ } from './init.js';

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

let mkldnnWorks = true;

/**
 * Inference convolution on oneDNN where it can run (CPU float32): ATen's
 * conv2d picks its slow im2col path for 1x1 kernels on one thread (2.3x
 * slower there with this build's generic BLAS). Same arguments and result
 * as F.conv2d (channels-last in, channels-last out); no autograd history
 * is needed by callers, who run it under noGrad.
 */
export function inferenceConv2d(x: Tensor, weight: Tensor, bias: Tensor | null, o: { stride: number; padding: number; groups: number }): Tensor {
  if (mkldnnWorks && x.device === 'cpu' && x.dtype === 'float32') {
    try {
      return op('aten::mkldnn_convolution', x, weight, bias, [o.padding, o.padding], [o.stride, o.stride], [1, 1], o.groups);
    } catch {
      mkldnnWorks = false; // a libtorch built without oneDNN: ATen's own choice from now on
    }
  }
  return F.conv2d(x, weight, bias, { stride: o.stride, padding: o.padding, groups: o.groups });
}

/** 2-d convolution with weight [out, in/groups, k, k], initialised as PyTorch's. */
export class Conv2d extends Module {
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, o: Conv2dOptions = {}) {
    super();
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.groups = o.groups ?? 1;
    if (inChannels % this.groups || outChannels % this.groups) {
      throw new Error(`Conv2d: channels ${inChannels}->${outChannels} are not divisible by groups=${this.groups}`);
    }
    const fanIn = (inChannels / this.groups) * kernelSize * kernelSize;
    const weight = empty([outChannels, inChannels / this.groups, kernelSize, kernelSize]);
    this.registerParameter('weight', defaultConvWeight_(weight, fanIn));
    this.registerParameter('bias', o.bias === false ? null : uniform_(empty([outChannels]), 1 / Math.sqrt(fanIn)));
  }

  get weight(): Tensor {
    return this.tensor('weight')!;
  }
  get bias(): Tensor | null {
    return this.tensor('bias');
  }

  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
}
