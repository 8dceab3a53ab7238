// A darknet [convolutional] layer as one ONNX Conv (groups, stride, pad)
// plus its activation. Batch norm is folded into the Conv's weights and
// bias with darknet's inference formula, the one our ConvBlock computes
// (conv_block.ts darknetBatchNorm, folded by ConvBlock.foldedWeights):
//   y = (conv(x) − mean) · γ / (sqrt(var) + 1e-6) + β
//     = conv_{W·k}(x) + (β − mean·k),   k = γ / (sqrt(var) + 1e-6),
// in float64 from the float32 parameters, rounded once to float32.
import * as torch from '../torch/index.js';
import type { ConvBlock } from '../darknet/index.js';
import { ints, i, type GraphBuilder } from './graph.js';
import { activation } from './ops.js';

/** A parameter's values as float32 on the CPU (a copy). */
export function values(t: torch.Tensor): Float32Array {
  return torch.tidy(() => t.cpu().float().contiguous().dataSync() as Float32Array);
}

/** Kernel [filters, in/groups, k, k] and bias [filters] with batch norm folded in (ConvBlock.foldedWeights). */
export function foldedConvWeights(block: ConvBlock): { weight: Float32Array; bias: Float32Array } {
  return torch.tidy(() => {
    const { weight, bias } = block.foldedWeights();
    return { weight: values(weight), bias: values(bias) };
  });
}

/** Emits the layer's Conv and activation; returns the output value's name. */
export function exportConv(g: GraphBuilder, block: ConvBlock, x: string, index: number): string {
  const { spec } = block;
  const { weight, bias } = foldedConvWeights(block);
  const w = g.floats(`conv_${index}_weight`, weight, block.conv.weight.shape);
  const b = g.floats(`conv_${index}_bias`, bias, [spec.filters]);
  const p = spec.padding;
  const y = g.op('Conv', [x, w, b], {
    kernel_shape: ints([spec.size, spec.size]), strides: ints([spec.stride, spec.stride]), pads: ints([p, p, p, p]),
    dilations: ints([1, 1]), group: i(spec.groups),
  }, `conv_${index}`);
  return activation(g, y, spec.activation, `conv_${index}`);
}
