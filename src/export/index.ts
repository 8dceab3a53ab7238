// ONNX export of Darknet models (`yolov3 export`).
export { buildOnnxModel, exportOnnx, saveOnnx, INPUT_NAME } from './export.js';
export { OPSETS, DEFAULT_NMS, type ExportOptions, type OutputKind } from './options.js';
export type { NmsOptions } from './nms.js';
export { foldedConvWeights } from './conv.js';
