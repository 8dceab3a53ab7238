// YOLO heads and their loss: the head decoder, anchor assignment, targets
// and the loss variants. See DESIGN.md (src/yolo) and options.ts.
export { yoloLoss, type LossResult } from './loss.js';
export { strideXY, inputSize, yoloScales, type YoloScale, type Grid } from './scale.js';
export { decodeHead, decodeBoxes, anchorsIn, cellCorners, centreOffset, boxSize, type BoxUnits } from './decode.js';
export { decodeHeads } from './decode_heads.js';
export { assignAnchors, cellIndex, ASSIGN_RULES, type AssignRule, type Assignment, type LabelRows, type PredictedIous } from './assign.js';
export { resolveLossOptions, DEFAULT_LOSS, type LossOptions, type ResolvedLossOptions } from './options.js';
export { gatherPositives, gatherRows, cellRows, rowsOf, type Positives, type BoxForm, type CellRows } from './positives.js';
export { boxLoss, positiveIou, BBOX_LOSSES, BOX_LOSSES, type BboxLoss } from './box_loss.js';
export { classLoss } from './class_loss.js';
export { objectnessLoss, cellPositions, OBJ_TARGETS, type ObjTarget } from './objectness.js';
export { LOSS_FORMS, SERIES_BBOX_LOSSES, type LossForm } from './loss_form.js';
export { seriesLoss, seriesPosWeight, type SeriesParts } from './series_loss.js';
export { predictedIous } from './pred_iou.js';
