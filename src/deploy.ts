// The deploy-only entry point, `import { Detector } from 'yolov3-ts/deploy'`:
// detection with a model `yolov3 export` wrote, in onnxruntime-node, without
// libtorch (nothing imported from here loads the native addon; the main
// entry, src/index.ts, loads it). Detector here is OnnxDetector, so
// `Detector.fromOnnx(path)` reads as with the main entry's Detector.
export { OnnxDetector, OnnxDetector as Detector, readOnnxModel, type OnnxDetectorConfig } from './detect/onnx_detector.js';
export type { DetectOptions, Detection, DetectionResult, ImageInput } from './detect/types.js';
export type { ResizeMode } from './detect/preprocess.js';
export type { RgbImage } from './data/image.js';
export type { YoloOnnxMetadata } from './onnx/yolo_metadata.js';
export { loadImage } from './detect/load_image.js';
export { readNames } from './detect/names.js';
export { saveDetectionsImage } from './detect/draw.js';
// `yolov3 serve`: the browser page for an exported model (onnxruntime-web in the page).
export { startServer, type ServeOptions, type RunningServer } from './serve/server.js';
