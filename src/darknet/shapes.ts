// Per-layer [c, h, w] for a given input size, with darknet's arithmetic
// (C integer division). A shape darknet would silently get wrong (a route
// of maps of different sizes, a map shrinking to nothing) is an error here.
import { CfgError } from './errors.js';
import type { DarknetCfg, LayerSpec } from './specs.js';

export type Shape = [c: number, h: number, w: number];

export interface LayerShape {
  input: Shape;
  output: Shape;
}

function outShape(spec: LayerSpec, input: Shape, outs: Shape[]): Shape {
  const [c, h, w] = input;
  switch (spec.type) {
    case 'convolutional': {
      const f = (x: number) => Math.floor((x + 2 * spec.padding - spec.size) / spec.stride) + 1;
      return [spec.filters, f(h), f(w)];
    }
    case 'maxpool': {
      const f = (x: number) => Math.floor((x + spec.padding - spec.size) / spec.stride) + 1;
      return [c, f(h), f(w)];
    }
    case 'upsample':
      return [c, h * spec.stride, w * spec.stride];
    case 'avgpool':
      return [c, 1, 1];
    case 'route': {
      const first = outs[spec.layers[0]];
      for (const l of spec.layers) {
        const o = outs[l];
        if (o[1] !== first[1] || o[2] !== first[2]) {
          throw new CfgError(spec.where, `[route] layer ${l} is ${o[1]}x${o[2]} but layer ${spec.layers[0]} is ${first[1]}x${first[2]} at this input size`);
        }
      }
      return [spec.layers.reduce((s, l) => s + outs[l][0] / spec.groups, 0), first[1], first[2]];
    }
    case 'shortcut': {
      const from = outs[spec.from];
      const stride = Math.floor(from[2] / w);
      if (w > from[2] || h > from[1] || from[2] !== stride * w || from[1] !== stride * h) {
        throw new CfgError(spec.where, `[shortcut] from layer ${spec.from} (${from[1]}x${from[2]}) cannot be added to ${h}x${w}`);
      }
      return input;
    }
    default:
      return input;
  }
}

/** Shapes of every layer for a height x width input (channels from [net]). */
export function layerShapes(cfg: DarknetCfg, height: number, width: number): LayerShape[] {
  const out: LayerShape[] = [];
  const outs: Shape[] = [];
  let input: Shape = [cfg.net.channels, height, width];
  for (const spec of cfg.layers) {
    const output = outShape(spec, input, outs);
    if (output[1] < 1 || output[2] < 1) {
      throw new CfgError(spec.where, `[${spec.type}] layer ${spec.index} has no output at ${width}x${height} input (${input[1]}x${input[2]} -> ${output[1]}x${output[2]})`);
    }
    out.push({ input, output });
    outs.push(output);
    input = output;
  }
  return out;
}
