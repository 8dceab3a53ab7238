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

/** A constant [1, na·h·w, 2] from one of the decoder's own tensors, broadcast to every prediction of the head. */
function perPrediction(g: GraphBuilder, make: () => torch.Tensor, na: number, h: number, w: number): string {
  const data = torch.tidy(() => values(make().expand([1, na, h, w, 2]).reshape([1, na * h * w, 2])));
  return g.floats('decode_const', data, [1, na * h * w, 2]);
}

/**
 * decodeHead: a raw head [B, na, h, w, k] to [B, na·h·w, k] = centre x, y
 * ((sigmoid(t)·scaleXY − (scaleXY − 1)/2 + cell) · stride) and w, h
 * (anchor · exp(t)) in input pixels, then sigmoid objectness and classes.
 * The same element-wise arithmetic, on rows [B, na·h·w, k] rather than 5-D
 * and with every constant [1, na·h·w, 2] (OpenCV 4.6's ONNX reader fails on
 * those 5-D slices and on broadcasting a [1, 1, 2] constant).
 */
export function exportDecodeHead(g: GraphBuilder, raw: string, head: YoloScale, na: number, k: number, h: number, w: number, n: number): string {
  const hint = `head${n}`;
  const sxy = head.scaleXY ?? 1;
  const rows = reshape(g, raw, [0, na * h * w, k], `${hint}_rows`);
  let offset = g.op('Sigmoid', [slice(g, rows, 2, 0, 2, 1, `${hint}_txy`)], {}, `${hint}_sigmoid_xy`);
  if (sxy !== 1) offset = g.op('Sub', [scale(g, offset, sxy, `${hint}_scale_xy`), g.constFloats([(sxy - 1) / 2], [])], {}, `${hint}_offset`);
  const cells = perPrediction(g, () => cellCorners(h, w, 'cpu'), na, h, w);
  const stride = perPrediction(g, () => torch.tensor(strideXY(head), { dtype: 'float32' }), na, h, w);
  const xy = g.op('Mul', [g.op('Add', [offset, cells], {}, `${hint}_cell_xy`), stride], {}, `${hint}_xy`);
  const anchors = perPrediction(g, () => anchorsIn(head, 'pixels', 'cpu').view([1, na, 1, 1, 2]), na, h, w);
  const wh = g.op('Mul', [g.op('Exp', [slice(g, rows, 2, 2, 4, 1, `${hint}_twh`)], {}, `${hint}_exp_wh`), anchors], {}, `${hint}_wh`);
  const conf = g.op('Sigmoid', [slice(g, rows, 2, 4, k, 1, `${hint}_tconf`)], {}, `${hint}_conf`);
  return concat(g, [xy, wh, conf], 2, `${hint}_decoded`);
}
