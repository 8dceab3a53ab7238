// NMS rows [n, 6] (x1, y1, x2, y2 in input pixels, score, class) to a
// DetectionResult in original image pixels: the one mapping every detector
// (libtorch, onnxruntime, the browser page) reports through.
import { toOriginal, type InputGeometry } from './preprocess.js';
import type { Detection, DetectionResult } from './types.js';

export function toDetectionResult(rows: ArrayLike<number>, g: InputGeometry, names: string[]): DetectionResult {
  const detections: Detection[] = [];
  for (let k = 0; k + 6 <= rows.length; k += 6) {
    const [x1, y1, x2, y2] = toOriginal([rows[k], rows[k + 1], rows[k + 2], rows[k + 3]], g);
    const classId = rows[k + 5];
    detections.push({ box: { x1, y1, x2, y2 }, score: rows[k + 4], classId, className: names[classId] });
  }
  return { width: g.originalWidth, height: g.originalHeight, detections };
}
