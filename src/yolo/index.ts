// YOLO training targets and loss. See DESIGN.md (src/yolo) and options.ts.
export { yoloLoss, type LossResult } from './loss.js';
export { assignAnchors, inputSize, strideXY, type Assignment, type Grid, type LabelRows } from './assign.js';
export { resolveLossOptions, yoloScales, type LossOptions, type ResolvedLossOptions, type YoloScale, type AssignRule, type BboxLoss, type ObjTarget } from './options.js';
export { gatherPositives, anchorsInGrid, centreOffset, type Positives } from './targets.js';
export { boxLoss, classLoss, positiveIou } from './box_loss.js';
export { objectnessLoss, cellPositions } from './objectness.js';
