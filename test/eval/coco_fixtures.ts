// Hand-built COCO cases, each aimed at one rule of pycocotools' COCOeval.
// `expected` holds numbers worked out by hand (explained per case); every
// case is also compared in full against the reference implementation in
// reference/cocoeval_ref.py. Boxes are COCO's [x, y, w, h].
import type { CocoDataset, CocoResultEntry, CocoStats } from '../../src/eval/index.js';

type Ann = [image: number, category: number, bbox: number[], extra?: { iscrowd?: number; area?: number }];
type Res = [image: number, category: number, bbox: number[], score: number];

export interface CocoCase { name: string; why: string; dataset: CocoDataset; results: CocoResultEntry[]; expected: Partial<CocoStats> }

function dataset(images: number[], anns: Ann[], categories: number[]): CocoDataset {
  return {
    images: images.map((id) => ({ id })),
    annotations: anns.map(([image_id, category_id, bbox, extra], i) => ({
      id: i + 1, image_id, category_id, bbox, area: extra?.area ?? bbox[2] * bbox[3], iscrowd: extra?.iscrowd ?? 0,
    })),
    categories: categories.map((id) => ({ id, name: `c${id}` })),
  };
}
const results = (list: Res[]): CocoResultEntry[] => list.map(([image_id, category_id, bbox, score]) => ({ image_id, category_id, bbox, score }));

/** `n` disjoint 10x10 boxes in a row starting at x0 (false positives). */
function row(n: number, x0: number, y: number): number[][] {
  return Array.from({ length: n }, (_, i) => [x0 + i * 20, y, 10, 10]);
}

export const COCO_CASES: CocoCase[] = [
  {
    name: 'perfect',
    why: 'One large object found exactly: 1 everywhere it is defined; small/medium have no objects so they are -1.',
    dataset: dataset([1], [[1, 1, [10, 10, 100, 100]]], [1]),
    results: results([[1, 1, [10, 10, 100, 100], 0.9]]),
    expected: { AP: 1, AP50: 1, AP75: 1, APs: -1, APm: -1, APl: 1, AR1: 1, AR10: 1, AR100: 1, ARs: -1, ARm: -1, ARl: 1 },
  },
  {
    name: 'several detections of one object',
    why: `Object [0,0,100,100]. A (score .9) has IoU .62, B (score .8) IoU .92.
      t = .50,.55,.60: A is the TP, B a duplicate FP; precision is 1 at recall 1, so AP_t = 1.
      t = .65 .. .90 (6 thresholds): A misses (FP), B is the TP: precision 1/2 at recall 1, AP_t = .5.
      t = .95: both FP, AP_t = 0. AP = (3 + 6 * .5) / 10 = .6; AP50 = 1; AP75 = .5.
      Recall: 1 up to .90, 0 at .95, so AR100 = .9; with only the top detection (A), AR1 = .3.`,
    dataset: dataset([1], [[1, 1, [0, 0, 100, 100]]], [1]),
    results: results([[1, 1, [0, 0, 100, 62], 0.9], [1, 1, [0, 0, 100, 92], 0.8]]),
    expected: { AP: 0.6, AP50: 1, AP75: 0.5, AR1: 0.3, AR10: 0.9, AR100: 0.9 },
  },
  {
    name: 'crowd region',
    why: `A regular object and a crowd region. Two detections inside the crowd match it by
      intersection over detection area (= 1), both (crowds match many times), and are ignored:
      neither TP nor FP. Only the exact detection of the regular object counts: AP = 1, AR100 = 1.`,
    dataset: dataset([1], [[1, 1, [0, 0, 50, 50]], [1, 1, [100, 100, 200, 200], { iscrowd: 1 }]], [1]),
    results: results([[1, 1, [120, 120, 30, 30], 0.95], [1, 1, [0, 0, 50, 50], 0.9], [1, 1, [200, 200, 40, 40], 0.8]]),
    expected: { AP: 1, AP50: 1, AR100: 1 },
  },
  {
    name: 'unmatched detections and an image without ground truth',
    why: `Image 1 has two objects, image 2 none. Two FPs on image 2 (.9, .8) outrank the one TP (.6).
      In score order: FP, FP, TP: recall 0, 0, .5; precision 0, 0, 1/3 (made monotone: 1/3 throughout).
      The 51 recall points 0.00..0.50 get 1/3, the 50 above get 0: AP = 51/101/3 at every threshold.
      AR100 = .5; AR1 is also .5 because maxDets counts per image: image 1's top detection is its TP.`,
    dataset: dataset([1, 2], [[1, 1, [0, 0, 40, 40]], [1, 1, [100, 0, 40, 40]]], [1]),
    results: results([[2, 1, [0, 0, 40, 40], 0.9], [2, 1, [50, 50, 40, 40], 0.8], [1, 1, [0, 0, 40, 40], 0.6]]),
    expected: { AP: 51 / 101 / 3, AP50: 51 / 101 / 3, AR100: 0.5, AR1: 0.5 },
  },
  {
    name: 'a class without detections',
    why: `Class 1 is found exactly (AP 1); class 2 has an object but no detection (AP 0); class 3 is
      listed with neither (-1, left out); class 4 has a detection but no object (-1, left out).
      AP = mean(1, 0) = .5.`,
    dataset: dataset([1], [[1, 1, [0, 0, 60, 60]], [1, 2, [100, 100, 60, 60]]], [1, 2, 3, 4]),
    results: results([[1, 1, [0, 0, 60, 60], 0.9], [1, 4, [200, 200, 50, 50], 0.7]]),
    expected: { AP: 0.5, AP50: 0.5, AR100: 0.5 },
  },
  {
    name: 'more than 100 detections, the true one ranked 111th',
    why: `110 disjoint FPs outrank the exact detection, which falls past maxDets = 100 and is dropped:
      nothing matches, AP = 0 and AR100 = 0.`,
    dataset: dataset([1], [[1, 1, [0, 500, 30, 30]]], [1]),
    results: results([
      ...row(110, 0, 0).map((b, i): Res => [1, 1, b, 0.9 - i * 0.001]),
      [1, 1, [0, 500, 30, 30], 0.5],
    ]),
    expected: { AP: 0, AR100: 0 },
  },
  {
    name: 'more than 100 detections, the true one ranked 50th',
    why: `49 FPs outrank the exact detection (rank 50) and 70 more follow it (cut at 100). Precision at
      recall 1 is 1/50, so AP = .02 at every threshold; AR1 = AR10 = 0 (top 1 and top 10 are all FPs)
      and AR100 = 1.`,
    dataset: dataset([1], [[1, 1, [0, 500, 30, 30]]], [1]),
    results: results([
      ...row(49, 0, 0).map((b, i): Res => [1, 1, b, 0.9 - i * 0.001]),
      [1, 1, [0, 500, 30, 30], 0.5],
      ...row(70, 0, 100).map((b, i): Res => [1, 1, b, 0.4 - i * 0.001]),
    ]),
    expected: { AP: 0.02, AR1: 0, AR10: 0, AR100: 1 },
  },
  {
    name: 'small, medium and large areas',
    why: `One object per size (20x20 small, 50x50 medium, 120x120 large) and a fourth whose box is
      40x40 but whose json area is 900 (a segment area): it counts as small, as pycocotools uses the
      annotation's area. The small ones are found exactly, the medium one is missed, the large one is
      found exactly and an FP of medium size exists. APs = 1; APm = 0; APl = 1 (the medium FP is
      unmatched and outside the large range, so ignored there).`,
    dataset: dataset([1], [
      [1, 1, [0, 0, 20, 20]], [1, 1, [100, 0, 50, 50]], [1, 1, [200, 0, 120, 120]], [1, 1, [400, 0, 40, 40], { area: 900 }],
    ], [1]),
    results: results([
      [1, 1, [0, 0, 20, 20], 0.9], [1, 1, [400, 0, 40, 40], 0.85], [1, 1, [200, 0, 120, 120], 0.8], [1, 1, [600, 600, 60, 60], 0.7],
    ]),
    expected: { APs: 1, APm: 0, APl: 1, ARs: 1, ARm: 0, ARl: 1 },
  },
];

/** A larger seeded case mixing every rule, compared against the reference only. */
export function randomCase(seed: number): CocoCase {
  let a = seed >>> 0;
  const r = () => ((a = (a * 1664525 + 1013904223) >>> 0) / 4294967296);
  const anns: Ann[] = [];
  const res: Res[] = [];
  const images = Array.from({ length: 12 }, (_, i) => i + 1);
  for (const img of images) {
    const n = img === 12 ? 0 : Math.floor(r() * 8);
    for (let k = 0; k < n; k++) {
      const cat = 1 + Math.floor(r() * 4);
      const size = [8, 30, 70, 150][Math.floor(r() * 4)] * (0.7 + r() * 0.6);
      const box = [r() * 500, r() * 500, size * (0.5 + r()), size * (0.5 + r())];
      const crowd = r() < 0.08;
      anns.push([img, cat, box, { iscrowd: crowd ? 1 : 0 }]);
      // 0..3 detections per object, jittered; scores quantised so ties happen.
      const nd = Math.floor(r() * 4);
      for (let j = 0; j < nd; j++) {
        const jit = (v: number, s: number) => v + (r() - 0.5) * s * 0.4;
        res.push([img, r() < 0.9 ? cat : 5, [jit(box[0], box[2]), jit(box[1], box[3]), box[2] * (0.7 + r() * 0.6), box[3] * (0.7 + r() * 0.6)], Math.round(r() * 20) / 20]);
      }
    }
    for (let j = Math.floor(r() * 5); j > 0; j--) res.push([img, 1 + Math.floor(r() * 5), [r() * 500, r() * 500, 5 + r() * 100, 5 + r() * 100], Math.round(r() * 20) / 20]);
  }
  return { name: `random ${seed}`, why: 'mixed', dataset: dataset(images, anns, [1, 2, 3, 4, 5, 6]), results: results(res), expected: {} };
}
