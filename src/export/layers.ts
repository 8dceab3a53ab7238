// The parameter-free darknet layers as ONNX ops, mirroring the forward
// passes in darknet/layers.ts (darknet's forward_*_layer) op for op.
import type { Shape } from '../darknet/index.js';
import type { MaxPoolSpec, RouteSpec, ShortcutSpec, UpsampleSpec } from '../darknet/specs.js';
import { ints, s, type GraphBuilder } from './graph.js';
import { activation, concat, scale, slice } from './ops.js';

/** Channels of each listed layer (only part group_id of `groups` with groups), concatenated. */
export function exportRoute(g: GraphBuilder, spec: RouteSpec, outs: string[], shapes: Shape[]): string {
  const parts = spec.layers.map((l) => {
    if (spec.groups === 1) return outs[l];
    const c = shapes[l][0] / spec.groups;
    return slice(g, outs[l], 1, spec.groupId * c, (spec.groupId + 1) * c, 1, `route_${spec.index}_part`);
  });
  const y = concat(g, parts, 1, `route_${spec.index}`);
  // a route of one whole layer is that layer's value; an Identity keeps one name per layer
  return y === outs[spec.layers[0]] && spec.groups === 1 ? g.op('Identity', [y], {}, `route_${spec.index}`) : y;
}

/**
 * out = alpha·prev + beta·from on the channels both have, then the
 * activation; a larger `from` is sampled every `stride` pixels, and extra
 * channels of prev pass through unscaled (darknet's shortcut_cpu).
 */
export function exportShortcut(g: GraphBuilder, spec: ShortcutSpec, prev: string, from: string, prevShape: Shape, fromShape: Shape): string {
  const [c2, , w2] = prevShape;
  const [c1, , w1] = fromShape;
  const stride = w1 / w2;
  const minc = Math.min(c1, c2);
  const hint = `shortcut_${spec.index}`;
  let add = c1 > minc ? slice(g, from, 1, 0, minc, 1, `${hint}_from`) : from;
  if (stride > 1) add = slice(g, slice(g, add, 2, 0, fromShape[1], stride, `${hint}_rows`), 3, 0, w1, stride, `${hint}_cols`);
  const head = c2 === minc ? prev : slice(g, prev, 1, 0, minc, 1, `${hint}_head`);
  let out = g.op('Add', [scale(g, head, spec.alpha, `${hint}_alpha`), scale(g, add, spec.beta, `${hint}_beta`)], {}, hint);
  if (c2 !== minc) out = concat(g, [out, slice(g, prev, 1, minc, c2, 1, `${hint}_rest`)], 1, `${hint}_concat`);
  return activation(g, out, spec.activation, hint);
}

/** Nearest-neighbour upsampling by `stride` (each pixel repeated), then times `scale`. */
export function exportUpsample(g: GraphBuilder, spec: UpsampleSpec, x: string): string {
  const scales = g.constFloats([1, 1, spec.stride, spec.stride]);
  const y = g.op('Resize', [x, '', scales], {
    mode: s('nearest'), coordinate_transformation_mode: s('asymmetric'), nearest_mode: s('floor'),
  }, `upsample_${spec.index}`);
  return scale(g, y, spec.scale, `upsample_${spec.index}_scale`);
}

/**
 * Darknet pads `padding` in total, floor(padding/2) before and the rest
 * after, with −inf (MaxPool's own pads ignore padded cells, the same).
 * ONNX Runtime wants each pad smaller than the kernel; larger padding goes
 * through an explicit Pad with −inf.
 */
export function exportMaxPool(g: GraphBuilder, spec: MaxPoolSpec, x: string): string {
  const hint = `maxpool_${spec.index}`;
  if (spec.size === 1 && spec.stride === 1 && spec.padding === 0) return g.op('Identity', [x], {}, hint);
  const before = Math.floor(spec.padding / 2);
  const after = spec.padding - before;
  const pads = [before, before, after, after];
  const attrs = { kernel_shape: ints([spec.size, spec.size]), strides: ints([spec.stride, spec.stride]) };
  if (after < spec.size) return g.op('MaxPool', [x], { ...attrs, pads: ints(pads) }, hint);
  const padded = g.op('Pad', [x, g.constInts([0, 0, before, before, 0, 0, after, after]), g.constFloats([-Infinity], [])], { mode: s('constant') }, `${hint}_pad`);
  return g.op('MaxPool', [padded], attrs, hint);
}

/** Global average pooling to 1x1 (darknet's [avgpool]). */
export function exportAvgPool(g: GraphBuilder, index: number, x: string): string {
  return g.op('GlobalAveragePool', [x], {}, `avgpool_${index}`);
}
