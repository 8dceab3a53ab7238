// Evaluation: VOC and COCO AP/mAP, curves, confusion matrix, COCO json.
export * from './types.js';
export * from './ap.js';
export * from './voc.js';
export { evaluateCoco, defaultCocoParams, COCO_STAT_NAMES, type CocoParams, type CocoStats, type CocoClassResult, type CocoResult, type CocoOptions } from './coco.js';
export { cocoIou, evaluateImg, sortDetections, type CocoBox, type EvalImg } from './coco_match.js';
export { accumulate, type Accumulated } from './coco_accumulate.js';
export * from './coco_json.js';
export * from './coco_ids.js';
export * from './confusion.js';
export * from './detections.js';
