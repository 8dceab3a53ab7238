// What evaluation takes: detections and ground truth as plain objects, boxes
// as xyxy pixels (convert COCO json's ltwh with coco_json.ts).
import type { Box } from '../boxes/index.js';

/** COCO's numeric image id, or a file stem for datasets whose names are not numbers. */
export type ImageId = number | string;

/** A detection as evaluation scores it (the Detector's own output is src/detect's `Detection`). */
export interface EvalDetection {
  imageId: ImageId;
  /** x1, y1, x2, y2 */
  box: Box | readonly number[];
  score: number;
  /** Category id (COCO's 1..90, or a class index). */
  category: number;
}

export interface GroundTruth {
  imageId: ImageId;
  box: Box | readonly number[];
  category: number;
  /** COCO crowd region: detections inside it are neither right nor wrong. */
  iscrowd?: boolean;
  /** VOC difficult object: detections of it are neither right nor wrong. */
  difficult?: boolean;
  /** COCO's area for the small/medium/large ranges (the segment's area); default the box area. */
  area?: number;
}

/** Sorts image ids as pycocotools sorts its ids: numbers ascending, then strings. */
export function compareImageIds(a: ImageId, b: ImageId): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Throws a clear error for a malformed detection or ground-truth entry. */
export function checkEntry(e: EvalDetection | GroundTruth, what: string, index: number): void {
  const b = e.box;
  if (!b || b.length !== 4 || !Array.from(b).every(Number.isFinite)) {
    throw new RangeError(`${what}[${index}]: box must be 4 finite numbers (x1, y1, x2, y2), got ${JSON.stringify(b)}`);
  }
  if (b[2] < b[0] || b[3] < b[1]) throw new RangeError(`${what}[${index}]: box has x2 < x1 or y2 < y1: ${JSON.stringify(b)}`);
  if (!Number.isFinite(e.category)) throw new RangeError(`${what}[${index}]: category must be a number, got ${e.category}`);
  if (typeof e.imageId !== 'number' && typeof e.imageId !== 'string') throw new TypeError(`${what}[${index}]: imageId must be a number or string`);
  if ('score' in e && !Number.isFinite(e.score)) throw new RangeError(`${what}[${index}]: score must be finite, got ${e.score}`);
}
