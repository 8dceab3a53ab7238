// A darknet [convolutional] layer: conv (bias only without batch norm),
// batch norm, activation. In eval mode the batch norm is darknet's own
// formula, (x - mean) / (sqrt(var) + 1e-6) * gamma + beta (normalize_cpu in
// darknet's blas.c), not PyTorch's / sqrt(var + eps): the two differ by
// ~1e-5 relative per layer, which adds up over yolov3's 75 convolutions.
import * as torch from '../torch/index.js';
import { Module, Conv2d, BatchNorm2d } from '../nn/index.js';
import type { Activation, ConvSpec } from './specs.js';

type Tensor = torch.Tensor;

/** darknet's epsilon, added to the standard deviation. */
export const DARKNET_BN_EPS = 1e-6;

/**
 * `inPlace`: the caller owns x and nothing else reads it. Leaky ReLU then
 * overwrites x even with autograd on (its gradient needs only the sign of its
 * output, and no earlier layer's backward needs x), as PyTorch's
 * LeakyReLU(inplace=True): one activation buffer less per layer in training.
 */
export function activate(x: Tensor, a: Activation, inPlace = !torch.isGradEnabled()): Tensor {
  switch (a) {
    case 'linear': return x;
    case 'leaky': return inPlace ? torch.opInPlace(x, 'aten::leaky_relu_', 0.1) : torch.F.leakyRelu(x, 0.1);
    case 'relu': return torch.F.relu(x);
    case 'mish': return torch.F.mish(x);
    case 'swish': return torch.F.silu(x);
    case 'logistic': return torch.F.sigmoid(x);
    case 'tanh': return torch.F.tanh(x);
  }
}

export class ConvBlock extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d | null;

  constructor(readonly spec: ConvSpec, inChannels: number) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(inChannels, spec.filters, spec.size, {
      stride: spec.stride, padding: spec.padding, groups: spec.groups, bias: !spec.batchNormalize,
    }));
    // darknet's training keeps rolling statistics with .99 / .01
    this.bn = spec.batchNormalize ? this.registerModule('bn', new BatchNorm2d(spec.filters, { eps: DARKNET_BN_EPS, momentum: 0.01 })) : null;
  }

  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      let y = this.conv.forward(x);
      if (this.bn) y = this.bn.training ? this.bn.forward(y) : darknetBatchNorm(y, this.bn);
      // y is this block's own new tensor (conv and batch-norm backward keep their inputs, not y)
      return activate(y, this.spec.activation, true);
    });
  }
}

/**
 * Inference batch norm exactly as darknet computes it. Without autograd it
 * works in place on the conv output (no new buffers at each layer). Folding
 * it into the conv weights would save passes but rounds differently from
 * darknet by ~1e-4 on yolov3's heads, past the parity bar.
 */
function darknetBatchNorm(x: Tensor, bn: BatchNorm2d): Tensor {
  const c = bn.numFeatures;
  const scale = bn.weight.div(bn.runningVar.sqrt().add(DARKNET_BN_EPS)).view([1, c, 1, 1]);
  const mean = bn.runningMean.view([1, c, 1, 1]);
  const beta = bn.bias.view([1, c, 1, 1]);
  if (torch.isGradEnabled()) return x.sub(mean).mul(scale).add(beta);
  return x.sub_(mean).mul_(scale).add_(beta);
}
