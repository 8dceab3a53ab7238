// The library's public API, `import { ... } from 'yolov3-ts'`: one curated
// list, not everything each layer exports (those stay reachable through
// their own index files, e.g. yolov3-ts/dist/src/boxes/index.js).

// The tensor engine: inputs, devices, tidy/dispose; layers to build networks from.
export * as torch from './torch/index.js';
export * as nn from './nn/index.js';

// Boxes: formats, the IoU family, NMS (torchvision's and YOLO's, on tensors or plain arrays).
export {
  xywhToXyxy, xyxyToXywh, convertBox, clipBox, boxArea, iou, iouMatrix, pairedIou,
  nms, batchedNms, softNms, nonMaxSuppression, nonMaxSuppressionPlain,
  type Box, type BoxFormat, type IouKind, type YoloNmsOptions, type PlainNmsOptions, type SoftNmsOptions,
} from './boxes/index.js';

// Detection: images in, boxes in original image pixels out (Detector.fromOnnx:
// the same over an exported model in onnxruntime; yolov3-ts/deploy offers it
// without libtorch).
export {
  Detector, OnnxDetector, loadImage, readNames, saveDetectionsImage,
  type DetectorConfig, type OnnxDetectorConfig, type DetectOptions, type Detection, type DetectionResult, type ImageInput, type ResizeMode,
} from './detect/index.js';

// Darknet models: .cfg to a module, .weights and checkpoint files in and out.
export {
  Darknet, parseCfg, readCfg, formatWarning, formatSummary, CfgError, WeightsError,
  loadWeights, loadWeightsBytes, saveWeights, weightsBytes, readHeader, saveCheckpoint, loadCheckpoint,
  type CfgWarning, type WeightsHeader, type WeightsOptions, type ModelSummary,
} from './darknet/index.js';
export { loadModelFile } from './darknet/checkpoint.js';

// ONNX export: a model to an .onnx file (raw heads, decoded boxes, or with NMS).
export { exportOnnx, saveOnnx, type ExportOptions } from './export/index.js';

// The browser page (`yolov3 serve`) for an exported model.
export { startServer, type ServeOptions, type RunningServer } from './serve/server.js';

// Data: datasets, images, augmentation presets, the prefetching loader.
export {
  openDataset, shapesDataset, renderShapes, SHAPE_NAMES, loadSample, decodeImage, writePng, DataLoader, DataError,
  FULL_AUGMENT, DARKNET_AUGMENT, NO_AUGMENT,
  type OpenOptions, type Dataset, type Sample, type ShapesOptions, type LoadOptions, type RgbImage, type DecodeOptions,
  type AugmentConfig, type LoaderOptions, type Batch,
} from './data/index.js';

// Evaluation: COCO and VOC mAP, COCO results JSON, a confusion matrix.
export {
  evaluateCoco, evaluateVoc, vocApAllPoints, vocAp11Point, detectionsFromRows, saveCocoResults, loadCocoResults, ConfusionMatrix,
  type EvalDetection, type GroundTruth, type ImageId, type CocoResult, type CocoOptions, type VocResult, type VocOptions,
} from './eval/index.js';

// Validation (`yolov3 val`): a model on a dataset's images, prepared as `detect` prepares them.
export { evaluateDetector, originalFrameBatches, type EvalOptions, type EvalResult, type OriginalFrameOptions } from './val/index.js';

// Training.
export { train, type TrainHooks, type TrainResult } from './train/trainer.js';
export { DEFAULT_TRAIN, SERIES_PRESET, type TrainOptions } from './train/options.js';
