// YOLO heads and their loss: the head decoder, anchor assignment, targets
// and the loss variants. See DESIGN.md (src/yolo) and options.ts.
export { yoloLoss, type LossResult } from './loss.js';
export { strideXY, inputSize, yoloScales, type YoloScale, type Grid } from './scale.js';
export { decodeHead, decodeBoxes, anchorsIn, cellCorners, centreOffset, boxSize, type BoxUnits } from './decode.js';
export { assignAnchors, ASSIGN_RULES, type AssignRule, type Assignment, type LabelRows } from './assign.js';
export { resolveLossOptions, DEFAULT_LOSS, type LossOptions, type ResolvedLossOptions } from './options.js';
export { gatherPositives, type Positives } from './positives.js';
export { boxLoss, positiveIou, BBOX_LOSSES, BOX_LOSSES, type BboxLoss } from './box_loss.js';
export { classLoss } from './class_loss.js';
export { objectnessLoss, cellPositions, OBJ_TARGETS, type ObjTarget } from './objectness.js';
