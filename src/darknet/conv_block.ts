// A darknet [convolutional] layer: conv (bias only without batch norm),
// batch norm, activation. In eval mode the batch norm is darknet's own
// formula, (x - mean) / (sqrt(var) + 1e-6) * gamma + beta (normalize_cpu in
// darknet's blas.c), not PyTorch's / sqrt(var + eps): the two differ by
// ~1e-5 relative per layer, which adds up over yolov3's 75 convolutions.
// Once fused for inference (Darknet.fuseForInference, which Detector does),
// eval mode without autograd folds that batch norm into the conv's weights
// (in float64, nn/fold.ts), kept channels-last until a parameter changes
// and packed for oneDNN with a leaky or relu activation fused
// (nn/packed_conv.ts);
// training, autograd and unfused models run the unfolded layers.
import * as torch from '../torch/index.js';
import {
  Module, Conv2d, BatchNorm2d, DerivedTensors, PackedConv, foldAffineIntoConv, toChannelsLast, isBlocked, toBlocked, fromBlocked,
  blockedConv2d, blockedBatchNormLeaky, blockedConvIsFast, type ConvGeometry, type PackedActivation,
} from '../nn/index.js';
import type { Activation, ConvSpec } from './specs.js';

type Tensor = torch.Tensor;

/** darknet's epsilon, added to the standard deviation. */
export const DARKNET_BN_EPS = 1e-6;
/** darknet's leaky ReLU slope. */
const LEAKY_SLOPE = 0.1;

/**
 * `inPlace`: the caller owns x and nothing else reads it. Leaky ReLU then
 * overwrites x even with autograd on (its gradient needs only the sign of its
 * output, and no earlier layer's backward needs x), as PyTorch's
 * LeakyReLU(inplace=True): one activation buffer less per layer in training.
 */
export function activate(x: Tensor, a: Activation, inPlace = !torch.isGradEnabled()): Tensor {
  switch (a) {
    case 'linear': return x;
    case 'leaky': return inPlace ? torch.opInPlace(x, 'aten::leaky_relu_', LEAKY_SLOPE) : torch.F.leakyRelu(x, LEAKY_SLOPE);
    case 'relu': return torch.F.relu(x);
    case 'mish': return torch.F.mish(x);
    case 'swish': return torch.F.silu(x);
    case 'logistic': return torch.F.sigmoid(x);
    case 'tanh': return torch.F.tanh(x);
  }
}

/** The activations a packed inference conv applies itself; the others run after it (activate). */
export function packedActivation(a: Activation): PackedActivation | null {
  if (a === 'leaky') return { kind: 'leaky', slope: LEAKY_SLOPE };
  if (a === 'relu' || a === 'linear') return { kind: a };
  return null;
}

export class ConvBlock extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d | null;
  /** The inference conv: batch norm folded in, weight channels-last; rebuilt when a parameter changes. */
  readonly #inference = new DerivedTensors(() => this.#foldedConv());
  /** The folded weight prepacked for oneDNN (nn/packed_conv.ts), for the last input shape. */
  readonly #packed = new PackedConv();

  constructor(readonly spec: ConvSpec, inChannels: number) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(inChannels, spec.filters, spec.size, {
      stride: spec.stride, padding: spec.padding, groups: spec.groups, bias: !spec.batchNormalize,
    }));
    // darknet's training keeps rolling statistics with .99 / .01
    this.bn = spec.batchNormalize ? this.registerModule('bn', new BatchNorm2d(spec.filters, { eps: DARKNET_BN_EPS, momentum: 0.01 })) : null;
  }

  /** Set by Darknet.fuseForInference: inference may use the folded conv (it holds 2 tensors per block while it does). */
  fused = false;

  /** Whether forward takes the folded inference path: fused, eval mode, autograd off. */
  get folds(): boolean {
    return this.fused && !this.training && !(this.bn?.training ?? false) && !torch.isGradEnabled();
  }

  /**
   * On the folded inference path x may be blocked (nn/blocked.ts), and with
   * `outputBlock` the output is blocked where oneDNN can write it so (an
   * activation the packed conv fuses); else [N, C, H, W].
   */
  forward(x: Tensor, outputBlock = 0): Tensor {
    if (this.folds) return this.#inferenceForward(x, outputBlock);
    if (isBlocked(x)) throw new Error('ConvBlock: a blocked input needs the folded inference path (Darknet.fuseForInference, eval, no grad) or forwardTraining');
    return torch.tidy(() => {
      let y = this.conv.forward(x);
      // training batch norm + leaky: one fused pass (BatchNorm2d.forwardLeaky)
      if (this.bn?.training && this.spec.activation === 'leaky') return this.bn.forwardLeaky(y, LEAKY_SLOPE);
      if (this.bn) y = this.bn.training ? this.bn.forward(y) : darknetBatchNorm(y, this.bn);
      // y is this block's own new tensor (conv and batch-norm backward keep their inputs, not y)
      return activate(y, this.spec.activation, true);
    });
  }

  /**
   * A training forward on oneDNN's blocked layout (nn/blocked_train.ts):
   * x blocked or plain, the output blocked with `outputBlock`, else plain.
   * Only a leaky batch-norm block (its statistics this process's own) or a
   * linear one without batch norm, in float32 on the CPU, and where oneDNN
   * has JIT kernels for the shape; otherwise forward() on plain tensors.
   */
  forwardTraining(x: Tensor, block: number, outputBlock: number): Tensor {
    const bn = this.bn;
    const leakyBn = bn !== null && bn.training && this.spec.activation === 'leaky' && !bn.synchronised;
    const linear = bn === null && this.spec.activation === 'linear';
    const blocked = isBlocked(x);
    const input = blocked ? [x.shape[0], this.conv.inChannels, x.shape[2], x.shape[3]] : x.shape;
    // a plain input without gradient (an image) is read as nchw where it has fewer channels than a block
    const planar = !blocked && !x.requiresGrad && input[1] < block;
    const geometry = this.#geometry();
    const usable = (leakyBn || linear) && x.dtype === 'float32' && x.device === 'cpu' && this.conv.weight.dtype === 'float32'
      && blockedConvIsFast(input, this.conv.weight.shape, geometry, block, planar, this.conv.bias !== null);
    // (nchw, as the plain path runs: aten's channels-last kernels round differently, and a relu's
    // mask downstream turns such 1e-7 differences into 1e-2 ones in the gradients)
    if (!usable) return torch.tidy(() => this.forward(blocked ? fromBlocked(x, this.conv.inChannels).contiguous() : x));
    return torch.tidy(() => {
      const y = blockedConv2d(blocked || planar ? x : toBlocked(x, block), this.conv.weight, this.conv.bias, geometry, block);
      const z = leakyBn ? blockedBatchNormLeaky(bn, y, LEAKY_SLOPE) : y;
      return outputBlock ? z : fromBlocked(z, this.spec.filters);
    });
  }

  #inferenceForward(x: Tensor, outputBlock: number): Tensor {
    const { weight, bias } = this.#inference.get(this.#sources());
    const packed = packedActivation(this.spec.activation);
    if (packed) return this.#packed.forward(x, weight, bias, this.#geometry(), packed, outputBlock);
    return torch.tidy(() => activate(this.#packed.forward(x, weight, bias, this.#geometry()), this.spec.activation, true));
  }

  /**
   * into += this block's output, in the conv's own pass (a residual
   * shortcut fused, Darknet.#run): only on the folded inference path with
   * oneDNN and an activation it applies; returns `into` as a new handle, or
   * null when it cannot (the caller then adds as the shortcut layer does).
   */
  forwardInto(x: Tensor, into: Tensor): Tensor | null {
    const packed = packedActivation(this.spec.activation);
    if (!this.folds || !packed) return null;
    const { weight, bias } = this.#inference.get(this.#sources());
    return this.#packed.forwardInto(x, weight, bias, this.#geometry(), packed, into);
  }

  #geometry(): ConvGeometry {
    return { stride: this.conv.stride, padding: this.conv.padding, groups: this.conv.groups };
  }

  #sources(): Tensor[] {
    const bn = this.bn;
    return [this.conv.weight, ...(this.conv.bias ? [this.conv.bias] : []), ...(bn ? [bn.weight, bn.bias, bn.runningMean, bn.runningVar] : [])];
  }

  /**
   * The conv's weight [filters, in/groups, k, k] and bias [filters] with the
   * batch norm folded in as darknet computes it at inference, new tensors in
   * the weight's dtype (the inference cache here and the ONNX export use it).
   */
  foldedWeights(): { weight: Tensor; bias: Tensor } {
    return torch.tidy(() => {
      const bn = this.bn;
      if (!bn) return { weight: this.conv.weight.clone(), bias: this.conv.bias!.clone() };
      // darknet's k = γ / (sqrt(var) + ε), shift β − mean·k, in float64
      const scale = bn.weight.to('float64').div(bn.runningVar.to('float64').sqrt().add(DARKNET_BN_EPS));
      const shift = bn.bias.to('float64').sub(bn.runningMean.to('float64').mul(scale));
      return foldAffineIntoConv(this.conv.weight, null, scale, shift);
    });
  }

  #foldedConv(): { weight: Tensor; bias: Tensor } {
    return torch.tidy(() => {
      const folded = this.foldedWeights();
      return { weight: toChannelsLast(folded.weight), bias: folded.bias };
    });
  }

  /** Frees the folded conv (rebuilt at the next fused inference forward). */
  releaseFolded(): void {
    this.#packed.dispose();
    this.#inference.dispose();
  }

  protected override releaseDerived(): void {
    this.releaseFolded();
  }
}

/**
 * Eval-mode batch norm as darknet computes it, unfolded (eval under
 * autograd; inference folds it, #foldedConv). Without autograd it works in
 * place on the conv output.
 */
function darknetBatchNorm(x: Tensor, bn: BatchNorm2d): Tensor {
  const c = bn.numFeatures;
  const scale = bn.weight.div(bn.runningVar.sqrt().add(DARKNET_BN_EPS)).view([1, c, 1, 1]);
  const mean = bn.runningMean.view([1, c, 1, 1]);
  const beta = bn.bias.view([1, c, 1, 1]);
  if (torch.isGradEnabled()) return x.sub(mean).mul(scale).add(beta);
  return x.sub_(mean).mul_(scale).add_(beta);
}
