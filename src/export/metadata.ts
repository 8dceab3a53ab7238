// metadata_props of an exported model: what a consumer needs besides the
// graph to turn images into labelled boxes (class names, input size and
// layout, how to resize, what the outputs are), as strings (numbers and
// lists as JSON). src/onnx/yolo_metadata.ts reads them back.
import { basename } from 'node:path';
import type { Darknet } from '../darknet/index.js';
import type { RawHead } from './network.js';
import type { ResolvedOptions } from './options.js';

const LAYOUTS = {
  raw: 'head<k> [B, na, h, w, 5+nc] per [yolo] layer, before any activation (detect --save-raw)',
  decoded: 'predictions [B, N, 5+nc]: cx, cy, w, h in input pixels, objectness, class probabilities (sigmoid applied)',
  nms: 'detections [n, 7]: image index, x1, y1, x2, y2 in input pixels, score (objectness x class probability), class id; by image, best first',
};

export function metadataProps(model: Darknet, o: ResolvedOptions, heads: RawHead[], source: { cfg?: string; weights?: string } = {}): { key: string; value: string }[] {
  const props: Record<string, string> = {
    names: JSON.stringify(o.names),
    input_width: String(o.width),
    input_height: String(o.height),
    input_layout: 'images [B, 3, H, W] float32, RGB in 0..1',
    resize: o.resize,
    letterbox_fill: '0.5',
    output: o.output,
    output_layout: LAYOUTS[o.output],
    // what a consumer of raw heads needs to decode them as yolo/decode.ts does
    heads: JSON.stringify(heads.map((h, n) => ({
      shape: h.dims, anchors: model.heads[n].anchors, stride: [o.width / h.dims[2], o.height / h.dims[1]], scale_xy: model.heads[n].scaleXY ?? 1,
    }))),
    cfg: basename(source.cfg ?? model.cfg.file),
  };
  if (source.weights) props.weights = basename(source.weights);
  if (o.output === 'nms') {
    props.nms = JSON.stringify({ conf: o.nms.conf, iou: o.nms.iou, max_det: o.nms.maxDet, agnostic: o.nms.agnostic, multi_label: o.nms.multiLabel });
  }
  return Object.entries(props).map(([key, value]) => ({ key, value }));
}
