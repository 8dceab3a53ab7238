// The [yolo] layers in ONNX: darknet's channels to the seed's raw head
// [B, na, h, w, 5+nc] (darknet/head_layout.ts), what darknet's [yolo]
// layer outputs when a later layer reads it, and the head decoder
// (yolo/decode.ts decodeHead) op for op, with its constants (cell corners,
// anchors, strides) taken from that decoder's own functions.
import * as torch from '../torch/index.js';
import { anchorsIn, cellCorners } from '../yolo/decode.js';
import { strideXY, type YoloScale } from '../yolo/scale.js';
import type { GraphBuilder } from './graph.js';
import { concat, reshape, scale, slice, transpose } from './ops.js';
import { values } from './conv.js';

/** [B, na·k, h, w] to the raw head [B, na, h, w, k] (headLayout). */
export function exportHeadLayout(g: GraphBuilder, x: string, na: number, k: number, h: number, w: number, index: number): string {
  const split = reshape(g, x, [0, na, k, h, w], `yolo_${index}_split`);
  return transpose(g, split, [0, 1, 3, 4, 2], `yolo_${index}_raw`);
}

/** What darknet's [yolo] layer outputs: sigmoid on x, y, objectness and classes, in darknet's layout (darknetYoloOutput). */
export function exportYoloOutput(g: GraphBuilder, raw: string, na: number, k: number, h: number, w: number, index: number): string {
  const hint = `yolo_${index}`;
  const act = concat(g, [
    g.op('Sigmoid', [slice(g, raw, 4, 0, 2, 1, `${hint}_txy`)], {}, `${hint}_xy`),
    slice(g, raw, 4, 2, 4, 1, `${hint}_twh`),
    g.op('Sigmoid', [slice(g, raw, 4, 4, k, 1, `${hint}_tconf`)], {}, `${hint}_conf`),
  ], 4, `${hint}_act`);
  return reshape(g, transpose(g, act, [0, 1, 4, 2, 3], `${hint}_chw`), [0, na * k, h, w], `${hint}_out`);
}

/** A constant from one of the decoder's own tensors. */
function decoderConstant(g: GraphBuilder, make: () => torch.Tensor, dims: number[]): string {
  const t = make();
  try {
    return g.floats('decode_const', values(t), dims);
  } finally {
    t.dispose();
  }
}

/**
 * decodeHead: a raw head [B, na, h, w, k] to [B, na·h·w, k] = centre x, y
 * ((sigmoid(t)·scaleXY − (scaleXY − 1)/2 + cell) · stride) and w, h
 * (anchor · exp(t)) in input pixels, then sigmoid objectness and classes.
 */
export function exportDecodeHead(g: GraphBuilder, raw: string, head: YoloScale, na: number, k: number, h: number, w: number, n: number): string {
  const hint = `head${n}`;
  const sxy = head.scaleXY ?? 1;
  let offset = g.op('Sigmoid', [slice(g, raw, 4, 0, 2, 1, `${hint}_txy`)], {}, `${hint}_sigmoid_xy`);
  if (sxy !== 1) offset = g.op('Sub', [scale(g, offset, sxy, `${hint}_scale_xy`), g.constFloats([(sxy - 1) / 2], [])], {}, `${hint}_offset`);
  const cells = decoderConstant(g, () => cellCorners(h, w, 'cpu'), [1, 1, h, w, 2]);
  const stride = g.constFloats(strideXY(head), [1, 1, 1, 1, 2]);
  const xy = g.op('Mul', [g.op('Add', [offset, cells], {}, `${hint}_cell_xy`), stride], {}, `${hint}_xy`);
  const anchors = decoderConstant(g, () => anchorsIn(head, 'pixels', 'cpu'), [1, na, 1, 1, 2]);
  const wh = g.op('Mul', [g.op('Exp', [slice(g, raw, 4, 2, 4, 1, `${hint}_twh`)], {}, `${hint}_exp_wh`), anchors], {}, `${hint}_wh`);
  const conf = g.op('Sigmoid', [slice(g, raw, 4, 4, k, 1, `${hint}_tconf`)], {}, `${hint}_conf`);
  return reshape(g, concat(g, [xy, wh, conf], 4, `${hint}_decoded`), [0, na * h * w, k], `${hint}_rows`);
}
