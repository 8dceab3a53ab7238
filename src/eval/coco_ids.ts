// COCO's 80 detection classes (darknet's coco.names order) and their ids in
// COCO's 1..90 numbering, which has gaps for the 11 unused categories.

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
