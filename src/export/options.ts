// What `yolov3 export` can be asked for, with its defaults and checks.
import type { ResizeMode } from '../detect/preprocess.js';
import type { OutputKind } from '../onnx/yolo_metadata.js';
import type { NmsOptions } from './nms.js';

export type { OutputKind };

export interface ExportOptions {
  /** Network input [width, height]; default the cfg's. */
  size?: [number, number];
  /** A fixed batch size (default 1), or 'dynamic' for a named batch dimension. */
  batch?: number | 'dynamic';
  /** Outputs (default 'decoded'). */
  output?: OutputKind;
  /** ONNX opset, 13 to 17 (default 13). */
  opset?: number;
  /** Class names for the metadata (default class0, class1, ...). */
  names?: string[];
  /** How images are to be resized to the input, for the metadata (default letterbox). */
  resize?: ResizeMode;
  /** Thresholds of the in-graph NMS (output 'nms'); defaults as Detector: conf 0.25, iou 0.45, maxDet 300. */
  nms?: Partial<NmsOptions>;
  /** Where the model came from, for the metadata (cfg and weights paths). */
  source?: { cfg?: string; weights?: string };
}

export const OPSETS = [13, 14, 15, 16, 17] as const;
export const DEFAULT_NMS: NmsOptions = { conf: 0.25, iou: 0.45, maxDet: 300, agnostic: false, multiLabel: false };

/** ONNX IR version for an opset: IR 7 came with opset 13-14 (ONNX 1.8-1.9), IR 8 with 15-17 (ONNX 1.10-1.12). */
export function irVersion(opset: number): number {
  return opset <= 14 ? 7 : 8;
}

export interface ResolvedOptions {
  width: number;
  height: number;
  batch: number | 'dynamic';
  output: OutputKind;
  opset: number;
  names: string[];
  resize: ResizeMode;
  nms: NmsOptions;
}

/** Fills in defaults and checks the values (RangeError naming the option). */
export function resolveOptions(o: ExportOptions, cfgSize: [number, number], classes: number): ResolvedOptions {
  const [width, height] = o.size ?? cfgSize;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new RangeError(`ONNX export: input size ${width}x${height} must be positive integers`);
  const batch = o.batch ?? 1;
  if (batch !== 'dynamic' && !(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`ONNX export: batch ${batch} must be a positive integer or 'dynamic'`);
  const opset = o.opset ?? 13;
  if (!(OPSETS as readonly number[]).includes(opset)) throw new RangeError(`ONNX export: opset ${opset} is not supported (${OPSETS[0]} to ${OPSETS[OPSETS.length - 1]})`);
  const names = o.names ?? Array.from({ length: classes }, (_, c) => `class${c}`);
  if (names.length !== classes) throw new RangeError(`ONNX export: ${names.length} class names for a model with ${classes} classes`);
  const nms = { ...DEFAULT_NMS, ...o.nms };
  if (!(nms.conf >= 0 && nms.conf < 1)) throw new RangeError(`ONNX export: NMS conf must be in [0, 1), got ${nms.conf}`);
  if (!(nms.iou >= 0 && nms.iou <= 1)) throw new RangeError(`ONNX export: NMS iou must be in [0, 1], got ${nms.iou}`);
  if (!(Number.isInteger(nms.maxDet) && nms.maxDet >= 1)) throw new RangeError(`ONNX export: NMS maxDet must be a positive integer, got ${nms.maxDet}`);
  return { width, height, batch, output: o.output ?? 'decoded', opset, names, resize: o.resize ?? 'letterbox', nms };
}
