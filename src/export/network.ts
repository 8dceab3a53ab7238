// A Darknet model's layers as an ONNX graph from the input image to the raw
// YOLO heads, layer by layer as Darknet.forwardHeads runs them (eval mode:
// dropout is the identity).
import { CfgError, layerShapes, type Darknet, type LayerSpec, type Shape } from '../darknet/index.js';
import type { GraphBuilder } from './graph.js';
import { exportConv } from './conv.js';
import { exportHeadLayout, exportYoloOutput } from './heads.js';
import { exportAvgPool, exportMaxPool, exportRoute, exportShortcut, exportUpsample } from './layers.js';

/** One raw head: its value name and dims [na, h, w, 5+nc] after the batch. */
export interface RawHead {
  value: string;
  dims: [number, number, number, number];
}

/** Which layers read each layer's output (a [yolo] layer's darknet output is built only when read). */
function readers(layers: LayerSpec[]): Set<number> {
  const read = new Set<number>();
  layers.forEach((l, i) => {
    const from = l.type === 'route' ? l.layers : l.type === 'shortcut' ? [i - 1, l.from] : [i - 1];
    for (const j of from) if (j >= 0) read.add(j);
  });
  return read;
}

/** Emits every layer for a width x height input value `input`; returns the raw heads in [yolo] order. */
export function exportLayers(g: GraphBuilder, model: Darknet, input: string, width: number, height: number): RawHead[] {
  const { cfg } = model;
  const shapes = layerShapes(cfg, height, width); // a size the cfg cannot take fails here, naming the layer's file:line
  const outShapes: Shape[] = shapes.map((s) => s.output);
  const read = readers(cfg.layers);
  const outs: string[] = [];
  const heads: RawHead[] = [];
  cfg.layers.forEach((spec, i) => {
    const x = i === 0 ? input : outs[i - 1];
    const [c, h, w] = shapes[i].input;
    let out: string;
    switch (spec.type) {
      case 'convolutional': out = exportConv(g, model.blocks[i]!, x, i); break;
      case 'route': out = exportRoute(g, spec, outs, outShapes); break;
      case 'shortcut': out = exportShortcut(g, spec, x, outs[spec.from], shapes[i].input, outShapes[spec.from]); break;
      case 'upsample': out = exportUpsample(g, spec, x); break;
      case 'maxpool': out = exportMaxPool(g, spec, x); break;
      case 'avgpool': out = exportAvgPool(g, i, x); break;
      case 'dropout': out = x; break; // identity at inference
      case 'yolo': {
        const na = spec.mask.length;
        const k = c / na;
        const raw = exportHeadLayout(g, x, na, k, h, w, i);
        heads.push({ value: raw, dims: [na, h, w, k] });
        out = read.has(i) ? exportYoloOutput(g, raw, na, k, h, w, i) : raw;
        break;
      }
      default: {
        const never: never = spec;
        throw new CfgError((never as LayerSpec).where, `[${(never as LayerSpec).type}] cannot be exported to ONNX`);
      }
    }
    outs.push(out);
  });
  return heads;
}
