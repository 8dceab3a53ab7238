// Model summary as darknet prints at start-up: a layer table and totals.
// GFLOPs follow darknet: 2 x multiply-adds of the convolutions only.
// Parameters count what trains: kernels, biases, and batch-norm scales and
// shifts (not the running mean and variance, which the .weights file holds too).
import { layerShapes, type LayerShape } from './shapes.js';
import type { ConvSpec, DarknetCfg, LayerSpec } from './specs.js';

/** float32 values one conv layer has in a .weights file. */
export function convWeightCount(spec: ConvSpec, inC: number): number {
  const kernels = spec.filters * (inC / spec.groups) * spec.size * spec.size;
  return kernels + spec.filters * (spec.batchNormalize ? 4 : 1);
}

/** Trainable parameters of one conv layer. */
export function convParamCount(spec: ConvSpec, inC: number): number {
  return spec.filters * (inC / spec.groups) * spec.size * spec.size + spec.filters * (spec.batchNormalize ? 2 : 1);
}

function inChannels(cfg: DarknetCfg, i: number): number {
  return i === 0 ? cfg.net.channels : cfg.channels[i - 1];
}

export function parameterCount(cfg: DarknetCfg): number {
  return cfg.layers.reduce((s, l, i) => s + (l.type === 'convolutional' ? convParamCount(l, inChannels(cfg, i)) : 0), 0);
}

/** Header bytes darknet writes: int32 major, minor, revision, then seen (int64 from version 0.2). */
export function headerBytes(major = 0, minor = 2): number {
  return 12 + (major * 10 + minor >= 2 ? 8 : 4);
}

/** float32 values stored for layers [0, cutoff). */
export function weightValueCount(cfg: DarknetCfg, cutoff = cfg.layers.length): number {
  let n = 0;
  for (let i = 0; i < Math.min(cutoff, cfg.layers.length); i++) {
    const l = cfg.layers[i];
    if (l.type === 'convolutional') n += convWeightCount(l, inChannels(cfg, i));
  }
  return n;
}

/** Size in bytes of the .weights file for this cfg (version 0.2 header unless given). */
export function weightsFileBytes(cfg: DarknetCfg, o: { cutoff?: number; major?: number; minor?: number } = {}): number {
  return headerBytes(o.major, o.minor) + 4 * weightValueCount(cfg, o.cutoff);
}

function layerFlops(spec: LayerSpec, s: LayerShape): number {
  if (spec.type !== 'convolutional') return 0;
  const [, oh, ow] = s.output;
  return 2 * spec.filters * spec.size * spec.size * (s.input[0] / spec.groups) * oh * ow;
}

export interface LayerRow {
  index: number;
  type: string;
  filters: number | null;
  /** "3 x 3 / 2" for conv and maxpool, "2x" for upsample, the indices for route and shortcut. */
  detail: string;
  input: [number, number, number];
  output: [number, number, number];
  params: number;
  gflops: number;
}

export interface ModelSummary {
  rows: LayerRow[];
  params: number;
  gflops: number;
  weightsBytes: number;
  width: number;
  height: number;
}

function detail(l: LayerSpec): string {
  switch (l.type) {
    case 'convolutional': return `${l.size} x ${l.size} / ${l.stride}${l.groups > 1 ? ` g${l.groups}` : ''}`;
    case 'maxpool': return `${l.size} x ${l.size} / ${l.stride}`;
    case 'upsample': return `${l.stride}x`;
    case 'route': return l.layers.join(' ') + (l.groups > 1 ? ` (${l.groupId}/${l.groups})` : '');
    case 'shortcut': return `${l.from}`;
    case 'yolo': return `mask ${l.mask.join(',')}`;
    case 'dropout': return `p=${l.probability}`;
    default: return '';
  }
}

export function summarize(cfg: DarknetCfg, size: { width?: number; height?: number } = {}): ModelSummary {
  const width = size.width ?? cfg.net.width;
  const height = size.height ?? cfg.net.height;
  const shapes = layerShapes(cfg, height, width);
  const rows = cfg.layers.map((l, i): LayerRow => ({
    index: i, type: l.type, filters: l.type === 'convolutional' ? l.filters : null, detail: detail(l),
    input: shapes[i].input, output: shapes[i].output,
    params: l.type === 'convolutional' ? convParamCount(l, shapes[i].input[0]) : 0,
    gflops: layerFlops(l, shapes[i]) / 1e9,
  }));
  return {
    rows, width, height, params: parameterCount(cfg), weightsBytes: weightsFileBytes(cfg),
    gflops: rows.reduce((s, r) => s + r.gflops, 0),
  };
}

/** The summary as a printable table ("input -> output" as h x w x c, like darknet). */
export function formatSummary(s: ModelSummary): string {
  const hwc = (x: [number, number, number]) => `${x[1]} x ${x[2]} x ${x[0]}`.padStart(16);
  const lines = ['layer  type            filters  size/detail       input              output          GFLOPs'];
  for (const r of s.rows) {
    lines.push(`${String(r.index).padStart(5)}  ${r.type.padEnd(14)} ${String(r.filters ?? '').padStart(7)}  ${r.detail.padEnd(14)} ${hwc(r.input)} -> ${hwc(r.output)}  ${r.gflops ? r.gflops.toFixed(3).padStart(7) : ''}`);
  }
  lines.push(`input ${s.width}x${s.height}: ${s.params.toLocaleString('en-US')} parameters, ${s.gflops.toFixed(3)} GFLOPs, .weights ${s.weightsBytes.toLocaleString('en-US')} bytes`);
  return lines.join('\n');
}
