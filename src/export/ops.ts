// Small compositions of ONNX ops shared by the layer and head exporters,
// written for opsets 13 to 17 (Slice, Squeeze, Unsqueeze and ReduceSum take
// their axes as inputs there; ReduceMax still as an attribute).
import { ints, type GraphBuilder } from './graph.js';
import type { Activation } from '../darknet/specs.js';

/** x[start:end:step] along one axis (end past the size means "to the end", as Python). */
export function slice(g: GraphBuilder, x: string, axis: number, start: number, end: number, step = 1, hint = 'slice'): string {
  const inputs = [x, g.constInts([start]), g.constInts([end]), g.constInts([axis])];
  if (step !== 1) inputs.push(g.constInts([step]));
  return g.op('Slice', inputs, {}, hint);
}

/** x * k (no node when k is 1). */
export function scale(g: GraphBuilder, x: string, k: number, hint = 'mul'): string {
  return k === 1 ? x : g.op('Mul', [x, g.constFloats([k], [])], {}, hint);
}

export function concat(g: GraphBuilder, parts: string[], axis: number, hint = 'concat'): string {
  return parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: { i: axis } }, hint);
}

export function reshape(g: GraphBuilder, x: string, shape: number[], hint = 'reshape'): string {
  return g.op('Reshape', [x, g.constInts(shape)], {}, hint);
}

export function transpose(g: GraphBuilder, x: string, perm: number[], hint = 'transpose'): string {
  return g.op('Transpose', [x], { perm: ints(perm) }, hint);
}

export function unsqueeze(g: GraphBuilder, x: string, axes: number[], hint = 'unsqueeze'): string {
  return g.op('Unsqueeze', [x, g.constInts(axes)], {}, hint);
}

export function squeeze(g: GraphBuilder, x: string, axes: number[], hint = 'squeeze'): string {
  return g.op('Squeeze', [x, g.constInts(axes)], {}, hint);
}

/** Dimension `axis` of x's shape as an int64 scalar. */
export function dim(g: GraphBuilder, x: string, axis: number, hint = 'dim'): string {
  return g.op('Gather', [g.op('Shape', [x], {}, `${hint}_shape`), g.constInts([axis], [])], { axis: { i: 0 } }, hint);
}

/**
 * darknet's activations as ONNX ops (conv_block.ts activate). Mish is
 * x·tanh(softplus(x)) and swish x·sigmoid(x): ONNX has Mish only from
 * opset 18, and no Swish.
 */
export function activation(g: GraphBuilder, x: string, a: Activation, hint: string): string {
  switch (a) {
    case 'linear': return x;
    case 'leaky': return g.op('LeakyRelu', [x], { alpha: { f: 0.1 } }, `${hint}_leaky`);
    case 'relu': return g.op('Relu', [x], {}, `${hint}_relu`);
    case 'logistic': return g.op('Sigmoid', [x], {}, `${hint}_logistic`);
    case 'tanh': return g.op('Tanh', [x], {}, `${hint}_tanh`);
    case 'swish': return g.op('Mul', [x, g.op('Sigmoid', [x], {}, `${hint}_sigmoid`)], {}, `${hint}_swish`);
    case 'mish': {
      const t = g.op('Tanh', [g.op('Softplus', [x], {}, `${hint}_softplus`)], {}, `${hint}_tanh`);
      return g.op('Mul', [x, t], {}, `${hint}_mish`);
    }
  }
}
