// Evaluation of a detector on a dataset, shared by training (each epoch, in
// the loader's frame) and `yolov3 val` (original image pixels). Sits above
// data, detect and eval, below train and cli.
export { evaluateDetector, loaderEvalBatches, type EvalOptions, type EvalBatch, type EvalResult, type KeptImage } from './evaluate.js';
export { originalFrameBatches, type OriginalFrameOptions } from './eval_inputs.js';
