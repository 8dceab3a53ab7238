// An exported model's outputs to NMS rows per image ([m, 6]: x1, y1, x2, y2
// in input pixels, score, class), whichever outputs it was exported with:
//   raw      decoded here as yolo/decode.ts decodeHead does, then NMS;
//   decoded  NMS (boxes/yolo_nms_plain.ts, the libtorch path's steps);
//   nms      the graph's own detections, narrowed to a stricter conf or a
//            smaller maxDet when asked (other settings are fixed at export).
// Plain code on typed arrays: the browser page runs it too.
import { nonMaxSuppressionPlain } from '../boxes/yolo_nms_plain.js';
import type { HeadGeometry, YoloOnnxMetadata } from '../onnx/yolo_metadata.js';
import type { DetectOptions } from './types.js';

/** An output tensor as onnxruntime (node or web) returns it. */
export interface OutputArray { data: Float32Array; dims: readonly number[] }

const f = Math.fround;
const sigmoid = (t: number) => f(1 / (1 + Math.exp(-t)));

/** One image's raw heads to decoded rows [N, k], heads in order (Darknet.decode). */
export function decodeRawHeads(heads: OutputArray[], geometry: HeadGeometry[], image: number): Float32Array {
  const total = geometry.reduce((s, g) => s + g.shape[0] * g.shape[1] * g.shape[2], 0);
  const k = geometry[0].shape[3];
  const out = new Float32Array(total * k);
  let row = 0;
  heads.forEach((head, n) => {
    const { shape: [na, h, w], anchors, stride: [sx, sy], scaleXY } = geometry[n];
    const half = f((scaleXY - 1) / 2);
    const offset = (t: number) => (scaleXY === 1 ? sigmoid(t) : f(f(sigmoid(t) * scaleXY) - half));
    let src = image * na * h * w * k;
    for (let a = 0; a < na; a++) {
      for (let j = 0; j < h; j++) {
        for (let i = 0; i < w; i++, src += k, row++) {
          const t = head.data, o = row * k;
          out[o] = f(f(offset(t[src]) + i) * sx);
          out[o + 1] = f(f(offset(t[src + 1]) + j) * sy);
          out[o + 2] = f(f(Math.exp(t[src + 2])) * anchors[a][0]);
          out[o + 3] = f(f(Math.exp(t[src + 3])) * anchors[a][1]);
          for (let c = 4; c < k; c++) out[o + c] = sigmoid(t[src + c]);
        }
      }
    }
  });
  return out;
}

/** Checks options against an in-graph NMS: only a stricter conf or a smaller maxDet can be applied afterwards. */
export function checkInGraphOptions(meta: YoloOnnxMetadata, o: DetectOptions): void {
  const nms = meta.nms!;
  const fixed = (what: string, asked: unknown, baked: unknown) => {
    if (asked !== undefined && asked !== baked) throw new Error(`${meta.file}: the model's in-graph NMS was exported with ${what} ${baked}; ${what} ${asked} needs a model exported without --nms`);
  };
  if (o.conf !== undefined && o.conf < nms.conf) throw new Error(`${meta.file}: the model's in-graph NMS drops scores <= ${nms.conf}; conf ${o.conf} needs a model exported without --nms (or with a lower --conf)`);
  if (o.maxDet !== undefined && o.maxDet > nms.maxDet) throw new Error(`${meta.file}: the model's in-graph NMS keeps ${nms.maxDet} detections per image; maxDet ${o.maxDet} needs a model exported with a larger --max-det`);
  fixed('iou', o.iou, nms.iou);
  fixed('agnostic', o.agnostic, nms.agnostic);
  fixed('multiLabel', o.multiLabel, nms.multiLabel);
}

/** The graph's detections [n, 7] (image, x1, y1, x2, y2, score, class) as rows [m, 6] for each of `images` images. */
function inGraphRows(det: OutputArray, images: number, o: DetectOptions): Float32Array[] {
  const rows: number[][] = Array.from({ length: images }, () => []);
  const conf = o.conf === undefined ? -Infinity : f(o.conf);
  for (let r = 0; r < det.dims[0]; r++) {
    const d = det.data.subarray(r * 7, r * 7 + 7);
    const list = rows[d[0]];
    if (!list || !(d[5] > conf) || (o.maxDet !== undefined && list.length >= o.maxDet * 6)) continue;
    list.push(d[1], d[2], d[3], d[4], d[5], d[6]);
  }
  return rows.map((r) => Float32Array.from(r));
}

/** NMS rows per image of one run on `images` images (the first of a padded batch). */
export function outputRows(outputs: Record<string, OutputArray>, meta: YoloOnnxMetadata, images: number, o: DetectOptions): Float32Array[] {
  if (meta.output === 'nms') return inGraphRows(outputs.detections, images, o);
  const k = 5 + meta.names.length;
  const nmsOptions = { confThreshold: o.conf ?? 0.25, iouThreshold: o.iou ?? 0.45, maxDetections: o.maxDet ?? 300, agnostic: o.agnostic ?? false, multiLabel: o.multiLabel ?? false };
  return Array.from({ length: images }, (_, b) => {
    if (meta.output === 'raw') {
      const rows = decodeRawHeads(meta.heads.map((_, n) => outputs[`head${n}`]), meta.heads, b);
      return nonMaxSuppressionPlain(rows, rows.length / k, k, nmsOptions);
    }
    const pred = outputs.predictions;
    const n = pred.dims[1];
    return nonMaxSuppressionPlain(pred.data.subarray(b * n * k, (b + 1) * n * k), n, k, nmsOptions);
  });
}

/** The output names a model of this kind must have. */
export function expectedOutputs(meta: YoloOnnxMetadata): string[] {
  if (meta.output === 'nms') return ['detections'];
  if (meta.output === 'decoded') return ['predictions'];
  return meta.heads.map((_, n) => `head${n}`);
}
