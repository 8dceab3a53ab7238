// What detection takes and returns, the same for the libtorch Detector and
// the ONNX one (and the browser page): no engine here.
import type { RgbImage } from '../data/image.js';
import type { ResizeMode } from './preprocess.js';

export interface DetectOptions {
  /** Minimum objectness x class probability; default 0.25. */
  conf?: number;
  /** NMS IoU threshold; default 0.45 (darknet's). */
  iou?: number;
  maxDet?: number;
  agnostic?: boolean;
  /** A box reports every class above `conf` (as darknet prints), not only its best. */
  multiLabel?: boolean;
  resize?: ResizeMode;
}

export interface Detection {
  box: { x1: number; y1: number; x2: number; y2: number };
  score: number;
  classId: number;
  className: string;
}

export interface DetectionResult {
  width: number;
  height: number;
  detections: Detection[];
}

export type ImageInput = string | Buffer | RgbImage;
