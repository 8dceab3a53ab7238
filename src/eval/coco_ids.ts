// COCO's 80 detection classes (darknet's coco.names order) and their ids in
// COCO's 1..90 numbering, which has gaps for the 11 unused categories; the
// ids a results file names for a dataset's images and classes.
import type { ImageId } from './types.js';

export const COCO_NAMES: readonly string[] = [
  'person', 'bicycle', 'car', 'motorbike', 'aeroplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'sofa', 'pottedplant', 'bed',
  'diningtable', 'toilet', 'tvmonitor', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
];

/** Class index 0..79 to COCO category id 1..90. */
export const COCO80_TO_COCO91: readonly number[] = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34,
  35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65,
  67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90,
];

/**
 * Category id for each class index: COCO's 1..90 ids when `names` are the
 * 80 COCO classes in order (darknet's or COCO's own spellings), else the index.
 */
export function categoryIdsFor(names: readonly string[]): number[] {
  const canonical = (s: string) => s.toLowerCase().replace(/[\s_-]/g, '');
  // COCO's json spells some darknet names differently.
  const alias: Record<string, string> = { motorcycle: 'motorbike', airplane: 'aeroplane', couch: 'sofa', pottedplant: 'pottedplant', diningtable: 'diningtable', tv: 'tvmonitor' };
  const norm = (s: string) => canonical(alias[canonical(s)] ?? s);
  const isCoco = names.length === 80 && names.every((n, i) => norm(n) === norm(COCO_NAMES[i]));
  return names.map((_, i) => (isCoco ? COCO80_TO_COCO91[i] : i));
}

/**
 * COCO's image id for a file: the stem as a number when it is all digits
 * (`000000000009.jpg` is 9), else the stem itself.
 */
export function imageIdFromPath(path: string): number | string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return /^\d+$/.test(stem) && Number.isSafeInteger(Number(stem)) ? Number(stem) : stem;
}

/**
 * Which category ids a results file gets: `auto` the dataset's own COCO JSON
 * ids when it came from one, else COCO's 1..90 when the names are COCO's 80,
 * else the class index; `index` the class index always; `coco91` COCO's
 * 1..90 for class indices 0..79 (data labelled in COCO's 80-class order).
 */
export const COCO_ID_MODES = ['auto', 'index', 'coco91'] as const;
export type CocoIdMode = (typeof COCO_ID_MODES)[number];

/** What a dataset says about its ids (src/data's Dataset fits this shape). */
export interface ResultIdSource {
  names: readonly string[];
  /** Present when the dataset came from a COCO JSON: category id of each class index, image id of each file stem. */
  coco?: { categoryIds: readonly number[]; imageIds: ReadonlyMap<string, number> };
}

/** Maps evaluation ids (file stems, class indices) to the ids a COCO results file names. */
export interface ResultIds {
  image(id: ImageId): ImageId;
  category(cls: number): number;
  /** In words, for the log: "COCO's 1..90 ids". */
  describe: string;
}

function categoryIdsOf(source: ResultIdSource, mode: CocoIdMode): { ids: readonly number[]; describe: string } {
  const n = source.names.length;
  if (mode === 'index') return { ids: source.names.map((_, i) => i), describe: 'class indices' };
  if (mode === 'coco91') {
    if (n > 80) throw new RangeError(`--coco-ids coco91: the dataset has ${n} classes; COCO's 80 classes map to 1..90`);
    return { ids: COCO80_TO_COCO91.slice(0, n), describe: "COCO's 1..90 ids" };
  }
  if (source.coco) {
    if (source.coco.categoryIds.length !== n) throw new RangeError(`COCO JSON has ${source.coco.categoryIds.length} category ids for ${n} classes`);
    return { ids: source.coco.categoryIds, describe: "the dataset's COCO JSON ids" };
  }
  const ids = categoryIdsFor(source.names);
  return { ids, describe: ids.some((v, i) => v !== i) ? "COCO's 1..90 ids (the names are COCO's 80)" : 'class indices' };
}

/**
 * The ids a results file uses for `source`'s detections. Image ids are the
 * COCO JSON's ids when the dataset came from one, else the file stem as a
 * number when it is all digits (as ultralytics writes them), else the stem.
 */
export function resultIds(source: ResultIdSource, mode: CocoIdMode = 'auto'): ResultIds {
  const { ids, describe } = categoryIdsOf(source, mode);
  const images = source.coco?.imageIds;
  return {
    image: (id) => (typeof id === 'string' ? images?.get(id) ?? imageIdFromPath(id) : id),
    category: (cls) => {
      const c = ids[cls];
      if (c === undefined) throw new RangeError(`class ${cls} has no category id (${ids.length} classes)`);
      return c;
    },
    describe,
  };
}
