// Box tools: formats, the IoU family, NMS. See DESIGN.md (src/boxes).
export * from './formats.js';
export * from './formats_tensor.js';
export * from './letterbox.js';
export * from './iou.js';
export * from './iou_plain.js';
export { greedyNms, flatIou, type FlatBoxes } from './nms_core.js';
export { nms, batchedNms, scoreOrder, flatBoxes } from './nms.js';
export { softNms, softNmsCore, type SoftNmsOptions } from './soft_nms.js';
export { nonMaxSuppression, type YoloNmsOptions } from './yolo_nms.js';
export { nonMaxSuppressionPlain, type PlainNmsOptions } from './yolo_nms_plain.js';
export { checkBoxTensor, checkFinite, checkFiniteTensor, checkBox } from './validate.js';
