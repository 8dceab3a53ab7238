// Training on oneDNN's blocked activation layout (nn/blocked.ts): a
// convolution (native/src/dnnl_conv_train.cpp) and a batch norm + leaky
// ReLU (native/src/batchnorm_leaky_blocked.cpp) that take and return
// blocked tensors, each one autograd node, so that a training forward keeps
// activations blocked from one convolution to the next (darknet/model.ts)
// and oneDNN does not reorder them into and out of every convolution
// forward and backward, as it does behind aten's plain convolution.
import * as torch from '../torch/index.js';
import type { BatchNorm2d } from './batchnorm.js';
import type { ConvGeometry } from './packed_conv.js';
import { nativeBlockSize } from './blocked.js';

type Tensor = torch.Tensor;

let hasOps: boolean | undefined;

/**
 * The channel block training forwards keep activations in, where the addon
 * has the ops: by default this CPU's oneDNN block on AVX-512 (16), where it
 * is measured faster (README: a yolov3 step's reorders 0.73 -> 0.18 s);
 * on AVX2 (8) only with YOLO_TRAIN_BLOCK=1 until measured there. 0: plain.
 */
export function trainingBlockSize(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.YOLO_TRAIN_BLOCK;
  if (given !== undefined && given !== '' && given !== '0' && given !== '1') throw new Error(`YOLO_TRAIN_BLOCK must be 0 or 1, got '${given}'`);
  hasOps ??= torch.hasOp('yolo::dnnl_conv_train') && torch.hasOp('yolo::batchnorm_leaky_blocked');
  if (given === '0' || !hasOps) return 0;
  return given === '1' || nativeBlockSize() === 16 ? nativeBlockSize() : 0;
}

const kernels = new Map<string, boolean>();

/**
 * Whether oneDNN runs this training convolution (forward, backward data and
 * weights) on JIT kernels in `block`'s layout: its reference kernels are
 * ~100x slower, so a shape they would take stays on aten's plain path.
 */
export function blockedConvIsFast(input: number[], weight: number[], g: ConvGeometry, block: number, planar: boolean, bias: boolean): boolean {
  const key = [input, weight, g.stride, g.padding, g.groups, block, planar, bias].join(';');
  let fast = kernels.get(key);
  if (fast === undefined) {
    const pad = [g.padding, g.padding], stride = [g.stride, g.stride];
    const names = String(torch.opValue('yolo::dnnl_conv_train_implementation', input, weight, stride, pad, g.groups, block, planar, bias));
    fast = !names.split(' ').some((n) => n.startsWith('ref'));
    kernels.set(key, fast);
  }
  return fast;
}

/**
 * conv2d on blocked x (or a plain nchw x with fewer channels than a block
 * and no gradient: a first layer's image), its output blocked; weight
 * [O, I/groups, k, k] and bias get their gradients as they lie.
 */
export function blockedConv2d(x: Tensor, weight: Tensor, bias: Tensor | null, g: ConvGeometry, block: number): Tensor {
  return torch.op('yolo::dnnl_conv_train', x, weight, bias, [g.stride, g.stride], [g.padding, g.padding], g.groups, block);
}

/** leakyRelu(bn(y)) in training mode on a blocked y of bn.numFeatures channels, updating bn's running statistics. */
export function blockedBatchNormLeaky(bn: BatchNorm2d, y: Tensor, slope: number): Tensor {
  torch.noGrad(() => bn.numBatchesTracked.add_(1));
  return torch.op('yolo::batchnorm_leaky_blocked', y, bn.weight, bn.bias, bn.runningMean, bn.runningVar, bn.momentum, bn.eps, slope, bn.numFeatures);
}
