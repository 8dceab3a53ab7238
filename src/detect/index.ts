// Detection: images in, boxes out (the Detector API), and drawing them.
export { Detector, type DetectorConfig, type DetectOptions, type Detection, type DetectionResult, type ImageInput, type RawOutputs } from './detector.js';
export { OnnxDetector, readOnnxModel, type OnnxDetectorConfig } from './onnx_detector.js';
export { OnnxRunner, type OrtLike, type OrtSessionLike } from './onnx_runner.js';
export { toDetectionResult } from './results.js';
export { prepareInput, darknetResize, toOriginal, type InputGeometry, type ResizeMode } from './preprocess.js';
export { loadImage } from './load_image.js';
export type { RgbImage } from '../data/image.js';
export { decodeBmp, isBmp } from './bmp.js';
export { readNames } from './names.js';
export { saveDetectionsImage, detectionsSvg } from './draw.js';
