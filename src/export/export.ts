// A Darknet model to an ONNX model: input `images` [B, 3, H, W] (RGB floats
// in 0..1, as Detector feeds the network), then the outputs asked for:
//   raw      head0, head1, ... [B, na, h, w, 5+nc]: Darknet.forwardHeads,
//            what `detect --save-raw` writes;
//   decoded  predictions [B, N, 5+nc]: Darknet.predict (yolo/decode.ts
//            decodeHead): centre x, y, w, h in input pixels, sigmoid
//            objectness and class probabilities;
//   nms      detections [n, 7]: image, x1, y1, x2, y2, score, class
//            (nms.ts), what Detector reports before mapping boxes back to
//            the original image.
import { writeFileSync } from 'node:fs';
import { CfgError, type Darknet } from '../darknet/index.js';
import { GraphBuilder } from './graph.js';
import { DataType, encodeModel, type Dim, type ModelProto } from '../onnx/onnx_proto.js';
import { exportLayers, type RawHead } from './network.js';
import { exportDecodeHead } from './heads.js';
import { exportNms } from './nms.js';
import { irVersion, resolveOptions, type ExportOptions, type ResolvedOptions } from './options.js';
import { metadataProps } from './metadata.js';

export const INPUT_NAME = 'images';

/** The model's classes, the same in every head (decoded rows have one layout). */
function modelClasses(model: Darknet): number {
  const heads = model.cfg.layers.filter((l) => l.type === 'yolo');
  if (heads.length === 0) throw new CfgError(model.cfg.net.where, 'the cfg has no [yolo] layer: nothing to export as detection heads');
  for (const h of heads) {
    if (h.classes !== heads[0].classes) throw new CfgError(h.where, `[yolo] classes=${h.classes} differs from the first [yolo] layer's ${heads[0].classes}: one decoded output needs one class count`);
  }
  return heads[0].classes;
}

function decodedOutputs(g: GraphBuilder, model: Darknet, heads: RawHead[], o: ResolvedOptions): { value: string; rows: number } {
  const rows = heads.map((h, n) => {
    const [na, gh, gw, k] = h.dims;
    const head = { ...model.heads[n], stride: [o.width / gw, o.height / gh] as [number, number] };
    return exportDecodeHead(g, h.value, head, na, k, gh, gw, n);
  });
  const value = rows.length === 1 ? rows[0] : g.op('Concat', rows, { axis: { i: 1 } }, 'predictions_concat');
  return { value, rows: heads.reduce((s, h) => s + h.dims[0] * h.dims[1] * h.dims[2], 0) };
}

/** Builds the ONNX model of a Darknet model (its current weights, eval mode semantics). */
export function buildOnnxModel(model: Darknet, options: ExportOptions = {}): ModelProto {
  const classes = modelClasses(model);
  const o = resolveOptions(options, [model.cfg.net.width, model.cfg.net.height], classes);
  const g = new GraphBuilder();
  const batch: Dim = o.batch === 'dynamic' ? 'batch' : o.batch;
  const input = g.input(INPUT_NAME, DataType.FLOAT, [batch, model.cfg.net.channels, o.height, o.width], 'RGB in 0..1, NCHW');
  const heads = exportLayers(g, model, input, o.width, o.height);
  const k = 5 + classes;
  if (o.output === 'raw') {
    heads.forEach((h, n) => g.output(h.value, `head${n}`, DataType.FLOAT, [batch, ...h.dims], 'raw head [B, na, h, w, 5+nc] before any activation'));
  } else {
    const { value, rows } = decodedOutputs(g, model, heads, o);
    if (o.output === 'decoded') g.output(value, 'predictions', DataType.FLOAT, [batch, rows, k], 'cx, cy, w, h (input pixels), objectness, class probabilities');
    else g.output(exportNms(g, value, input, classes, o.nms), 'detections', DataType.FLOAT, ['num_detections', 7], 'image, x1, y1, x2, y2 (input pixels), score, class');
  }
  return {
    ir_version: irVersion(o.opset),
    opset_import: [{ domain: '', version: o.opset }],
    producer_name: 'yolov3-ts',
    producer_version: '0.1.0',
    doc_string: `YOLO model exported from ${options.source?.cfg ?? model.cfg.file}`,
    graph: { name: 'yolov3', node: g.nodes, initializer: g.initializers, input: g.inputs, output: g.outputs },
    metadata_props: metadataProps(model, o, heads, options.source),
  };
}

/** The .onnx file's bytes. */
export function exportOnnx(model: Darknet, options: ExportOptions = {}): Uint8Array {
  return encodeModel(buildOnnxModel(model, options));
}

/** Writes the .onnx file; returns its size in bytes. */
export function saveOnnx(model: Darknet, path: string, options: ExportOptions = {}): number {
  const bytes = exportOnnx(model, options);
  writeFileSync(path, bytes);
  return bytes.byteLength;
}
