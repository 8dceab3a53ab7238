// nn.functional: neural-network operators with PyTorch's names and defaults.
import { Tensor, op, opMany, opInPlace } from './tensor.js';
import { reductionCode, type Reduction } from './dtype.js';
import { native } from './native.js';

type Pair = number | [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, o: Conv2dOptions = {}): Tensor {
  return op('aten::conv2d', input, weight, bias, o.stride ?? 1, o.padding ?? 0, o.dilation ?? 1, o.groups ?? 1);
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Training mode normalises by batch statistics and updates the running ones in place. */
  training?: boolean;
  momentum?: number;
  eps?: number;
}

export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, o: BatchNormOptions = {}): Tensor {
  return op('aten::batch_norm', input, o.weight ?? null, o.bias ?? null, runningMean, runningVar, o.training ?? false, o.momentum ?? 0.1, o.eps ?? 1e-5, false);
}

export interface BatchNormLeakyOptions {
  weight: Tensor;
  bias: Tensor;
  momentum?: number;
  eps?: number;
  negativeSlope?: number;
}

/**
 * leakyRelu(batchNorm(x, training)) with the running statistics updated as
 * batchNorm does, bit for bit. For dense float32/float64 CPU tensors one
 * native forward (it reads x three times and writes once, where the two
 * operators read four times and write twice) under the two operators' own
 * backward nodes; else the two operators (the leaky ReLU in place on batch
 * norm's new output: its backward needs only that output's sign).
 */
export function batchNormLeaky(input: Tensor, runningMean: Tensor, runningVar: Tensor, o: BatchNormLeakyOptions): Tensor {
  const momentum = o.momentum ?? 0.1, eps = o.eps ?? 1e-5, slope = o.negativeSlope ?? 0.01;
  const h = native.batchNormLeaky(input.handle, o.weight.handle, o.bias.handle, runningMean.handle, runningVar.handle, [momentum, eps, slope]);
  if (h !== undefined) return new Tensor(h);
  const y = batchNorm(input, runningMean, runningVar, { weight: o.weight, bias: o.bias, training: true, momentum, eps });
  // in place: libtorch's in-place leaky backward refuses a negative slope (the sign of its output is then not its input's)
  return slope >= 0 ? opInPlace(y, 'aten::leaky_relu_', slope) : leakyRelu(y, slope);
}

export function relu(x: Tensor): Tensor { return op('aten::relu', x); }
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor { return op('aten::leaky_relu', x, negativeSlope); }
export function silu(x: Tensor): Tensor { return op('aten::silu', x); }
export function mish(x: Tensor): Tensor { return op('aten::mish', x); }
export function sigmoid(x: Tensor): Tensor { return op('aten::sigmoid', x); }
export function tanh(x: Tensor): Tensor { return op('aten::tanh', x); }
export function softmax(x: Tensor, dim: number): Tensor { return op('aten::softmax.int', x, dim); }
export function logSoftmax(x: Tensor, dim: number): Tensor { return op('aten::log_softmax.int', x, dim); }

/** Padding as [left, right, top, bottom] for the last two dims (PyTorch's F.pad order). */
export function pad(x: Tensor, padding: number[], value = 0): Tensor {
  return op('aten::constant_pad_nd', x, padding, value);
}

export interface MaxPool2dOptions {
  stride?: Pair;
  /** Symmetric padding as PyTorch, or [left, right, top, bottom] for asymmetric padding. */
  padding?: Pair | [number, number, number, number];
  dilation?: Pair;
  ceilMode?: boolean;
}

/**
 * 2-d max pooling. Asymmetric padding (darknet's `maxpool size=2 stride=1`
 * pads one column right and one row below) pads with -inf first, so padded
 * cells never win, as darknet's -FLT_MAX.
 */
export function maxPool2d(x: Tensor, kernelSize: Pair, o: MaxPool2dOptions = {}): Tensor {
  const stride = o.stride ?? kernelSize;
  if (Array.isArray(o.padding) && o.padding.length === 4) {
    const padded = pad(x, o.padding, -Infinity);
    try {
      return op('aten::max_pool2d', padded, kernelSize, stride, 0, o.dilation ?? 1, o.ceilMode ?? false);
    } finally {
      padded.dispose();
    }
  }
  if (isTwo(kernelSize) && isTwo(stride) && isOne(o.padding ?? 0, 0) && isOne(o.dilation ?? 1, 1) && !o.ceilMode) {
    // aten's values and gradients, without its int64 indices (native/src/maxpool2x2.cpp)
    const h = native.maxPool2x2(x.handle);
    if (h !== undefined) return new Tensor(h);
  }
  return op('aten::max_pool2d', x, kernelSize, stride, o.padding ?? 0, o.dilation ?? 1, o.ceilMode ?? false);
}

const isOne = (p: Pair | number[], v: number) => (Array.isArray(p) ? p.every((e) => e === v) : p === v);
const isTwo = (p: Pair) => isOne(p, 2);

export function avgPool2d(x: Tensor, kernelSize: Pair, stride: Pair = kernelSize, padding: Pair = 0): Tensor {
  return op('aten::avg_pool2d', x, kernelSize, stride, padding);
}

export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  return op('aten::adaptive_avg_pool2d', x, outputSize);
}

/** Nearest-neighbour resize by a scale factor or to a size (darknet's [upsample]). */
export function interpolateNearest(x: Tensor, o: { scaleFactor?: number; size?: [number, number] }): Tensor {
  if (o.size) return op('aten::upsample_nearest2d.vec', x, o.size, null);
  if (o.scaleFactor === undefined) throw new TypeError('interpolateNearest: give scaleFactor or size');
  return op('aten::upsample_nearest2d.vec', x, null, [o.scaleFactor, o.scaleFactor]);
}

export interface BceOptions {
  weight?: Tensor | null;
  /** Weight of positive examples, broadcast over the last dimension (PyTorch's pos_weight). */
  posWeight?: Tensor | null;
  reduction?: Reduction;
}

export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, o: BceOptions = {}): Tensor {
  return op('aten::binary_cross_entropy_with_logits', input, target, o.weight ?? null, o.posWeight ?? null, reductionCode(o.reduction ?? 'mean'));
}

export function binaryCrossEntropy(input: Tensor, target: Tensor, o: { weight?: Tensor | null; reduction?: Reduction } = {}): Tensor {
  return op('aten::binary_cross_entropy', input, target, o.weight ?? null, reductionCode(o.reduction ?? 'mean'));
}

export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return op('aten::mse_loss', input, target, reductionCode(reduction));
}

export function l1Loss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return op('aten::l1_loss', input, target, reductionCode(reduction));
}

export function smoothL1Loss(input: Tensor, target: Tensor, reduction: Reduction = 'mean', beta = 1): Tensor {
  return op('aten::smooth_l1_loss', input, target, reductionCode(reduction), beta);
}

export function crossEntropy(input: Tensor, target: Tensor, reduction: Reduction = 'mean', labelSmoothing = 0): Tensor {
  return op('aten::cross_entropy_loss', input, target, null, reductionCode(reduction), -100, labelSmoothing);
}

/** int64 class indices to a one-hot int64 tensor with a new last dimension. */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  return op('aten::one_hot', indices, numClasses);
}

export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return op('aten::linear', x, weight, bias);
}

export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  return op('aten::dropout', x, p, training);
}

/** Splits into `n` equal chunks along `dim` (shorthand used by heads). */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  return opMany('aten::unbind.int', x, dim);
}
