// COCO json in and out: the results format
// `[{image_id, category_id, bbox: [x, y, w, h], score}]` that pycocotools'
// loadRes reads, and the instances format of a ground-truth file.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic_write.js';
import { ltwhToXyxy, xyxyToLtwh } from '../boxes/index.js';
import { evaluateCoco, type CocoOptions, type CocoResult } from './coco.js';
import type { EvalDetection, GroundTruth, ImageId } from './types.js';
import type { ResultIds } from './coco_ids.js';

export interface CocoResultEntry { image_id: ImageId; category_id: number; bbox: number[]; score: number }

export interface CocoDataset {
  images: { id: ImageId; file_name?: string; width?: number; height?: number }[];
  annotations: { id?: number; image_id: ImageId; category_id: number; bbox: number[]; area?: number; iscrowd?: number | boolean }[];
  categories: { id: number; name?: string }[];
}

function checkLtwh(bbox: unknown, where: string): number[] {
  if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new RangeError(`${where}: bbox must be [x, y, w, h] finite numbers, got ${JSON.stringify(bbox)}`);
  }
  return bbox;
}

const round = (v: number, decimals?: number) => (decimals === undefined ? v : Number(v.toFixed(decimals)));

export interface ResultsOptions {
  /** Rounds bbox and score for smaller files. */
  decimals?: number;
  /** The ids the file names (see resultIds); default the detections' own. */
  ids?: ResultIds;
}

/** Detections (xyxy) to COCO results. */
export function toCocoResults(dets: readonly EvalDetection[], options: ResultsOptions = {}): CocoResultEntry[] {
  const ids = options.ids;
  return dets.map((d) => ({
    image_id: ids ? ids.image(d.imageId) : d.imageId,
    category_id: ids ? ids.category(d.category) : d.category,
    bbox: xyxyToLtwh(d.box as number[]).map((v) => round(v, options.decimals)),
    score: round(d.score, options.decimals === undefined ? undefined : Math.max(options.decimals, 5)),
  }));
}

/** COCO results (parsed json) to detections (xyxy). */
export function fromCocoResults(results: readonly CocoResultEntry[]): EvalDetection[] {
  if (!Array.isArray(results)) throw new TypeError('COCO results must be a json array of {image_id, category_id, bbox, score}');
  return results.map((r, i) => {
    const bbox = checkLtwh(r.bbox, `results[${i}]`);
    if (typeof r.score !== 'number' || !Number.isFinite(r.score)) throw new RangeError(`results[${i}]: score must be a finite number`);
    return { imageId: r.image_id, category: r.category_id, box: ltwhToXyxy(bbox), score: r.score };
  });
}

/** A COCO instances file to ground truth (xyxy, with COCO's own area and crowd flag). */
export function fromCocoDataset(ds: CocoDataset): { groundTruth: GroundTruth[]; imageIds: ImageId[]; categoryIds: number[] } {
  if (!ds || !Array.isArray(ds.images) || !Array.isArray(ds.annotations) || !Array.isArray(ds.categories)) {
    throw new TypeError('COCO dataset must have images, annotations and categories arrays');
  }
  const groundTruth = ds.annotations.map((a, i) => {
    const bbox = checkLtwh(a.bbox, `annotations[${i}]`);
    return { imageId: a.image_id, category: a.category_id, box: ltwhToXyxy(bbox), area: a.area ?? bbox[2] * bbox[3], iscrowd: Boolean(a.iscrowd) };
  });
  return { groundTruth, imageIds: ds.images.map((im) => im.id), categoryIds: ds.categories.map((c) => c.id) };
}

/** pycocotools' COCOeval on a ground-truth dataset and results, both as parsed json. */
export function evaluateCocoJson(ds: CocoDataset, results: readonly CocoResultEntry[], options: Omit<CocoOptions, 'imageIds' | 'categoryIds'> = {}): CocoResult {
  const { groundTruth, imageIds, categoryIds } = fromCocoDataset(ds);
  const known = new Set(imageIds.map((i) => `${typeof i}:${i}`));
  const dets = fromCocoResults(results);
  const stray = dets.find((d) => !known.has(`${typeof d.imageId}:${d.imageId}`));
  // pycocotools refuses results for images the dataset does not have.
  if (stray) throw new RangeError(`COCO results name image_id ${JSON.stringify(stray.imageId)}, which is not in the dataset's images`);
  return evaluateCoco(groundTruth, dets, { ...options, imageIds, categoryIds });
}

/** Writes detections as a COCO results json file. */
export function saveCocoResults(path: string, dets: readonly EvalDetection[], options: ResultsOptions = {}): void {
  writeFileAtomic(path, Buffer.from(JSON.stringify(toCocoResults(dets, options))));
}

/** Reads a COCO results json file as detections. */
export function loadCocoResults(path: string): EvalDetection[] {
  return fromCocoResults(JSON.parse(readFileSync(path, 'utf8')) as CocoResultEntry[]);
}

/** Reads a COCO instances json file. */
export function loadCocoDataset(path: string): CocoDataset {
  return JSON.parse(readFileSync(path, 'utf8')) as CocoDataset;
}
