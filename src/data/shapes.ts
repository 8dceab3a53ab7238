// Shapes: a built-in generated dataset. Circles, squares and triangles in
// several colours and sizes on noisy backgrounds, a few per image, some
// overlapping, with exact labels (the geometry that was drawn). Everything
// follows from (seed, index, size), so any worker redraws the same image.

import { newImage, type RgbImage } from './image.js';
import { Rng, mixSeed } from './rng.js';
import { EMPTY_LABELS, type Dataset, type Sample, type ShapesParams } from './types.js';

export const SHAPE_NAMES = ['circle', 'square', 'triangle'];
const PALETTE: [number, number, number][] = [
  [230, 40, 40], [40, 200, 60], [50, 90, 240], [240, 220, 40], [220, 60, 220], [40, 220, 230], [250, 140, 20], [245, 245, 245],
];
export const DEFAULT_SHAPES: ShapesParams = { minObjects: 1, maxObjects: 4, minSize: 0.12, maxSize: 0.45 };

export interface ShapeObject {
  cls: number;
  /** Pixel box the shape exactly fills (x1, y1, x2, y2). */
  box: [number, number, number, number];
  color: [number, number, number];
}

function iou(a: number[], b: number[]): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])), ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

/** The objects of image `index`: drawn in this order, later ones on top. */
export function shapeObjects(seed: number, index: number, width: number, height: number, p: ShapesParams = DEFAULT_SHAPES): ShapeObject[] {
  const rng = new Rng(mixSeed(seed, index, 0x5ba9e));
  const n = rng.int(p.minObjects, p.maxObjects + 1);
  const side = Math.min(width, height);
  const out: ShapeObject[] = [];
  for (let k = 0; k < n; k++) {
    // Overlap is allowed but limited (IoU < 0.3) so every labelled shape stays visible.
    for (let attempt = 0; attempt < 30; attempt++) {
      const size = Math.round(rng.uniform(p.minSize, p.maxSize) * side);
      const x1 = rng.int(0, width - size + 1), y1 = rng.int(0, height - size + 1);
      const box: [number, number, number, number] = [x1, y1, x1 + size, y1 + size];
      const cls = rng.int(0, SHAPE_NAMES.length);
      const color = PALETTE[rng.int(0, PALETTE.length)];
      if (out.every((o) => iou(o.box, box) < 0.3 && !contains(o.box, box) && !contains(box, o.box))) { out.push({ cls, box, color }); break; }
    }
  }
  return out;
}

function contains(a: number[], b: number[]): boolean {
  return a[0] <= b[0] && a[1] <= b[1] && a[2] >= b[2] && a[3] >= b[3];
}

/** Fraction (0..1) of pixel (x, y) covered by the shape, from 4x4 sub-samples (anti-aliased edges). */
function coverage(o: ShapeObject, x: number, y: number): number {
  const [x1, y1, x2, y2] = o.box;
  if (o.cls === 1) return 1; // square: the whole box (called only for pixels inside it)
  const inside = o.cls === 0
    ? (px: number, py: number) => { const r = (x2 - x1) / 2, dx = px - (x1 + r), dy = py - (y1 + r); return dx * dx + dy * dy <= r * r; }
    // Triangle: apex at top centre, base along the bottom edge.
    : (px: number, py: number) => Math.abs(px - (x1 + x2) / 2) <= ((py - y1) / (y2 - y1)) * ((x2 - x1) / 2);
  // Both shapes are convex: a pixel whose four corners are inside is fully covered.
  if (inside(x, y) && inside(x + 1, y) && inside(x, y + 1) && inside(x + 1, y + 1)) return 1;
  let hit = 0;
  for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) if (inside(x + (sx + 0.5) / 4, y + (sy + 0.5) / 4)) hit++;
  return hit / 16;
}

export function renderShapes(seed: number, index: number, width: number, height: number, p: ShapesParams = DEFAULT_SHAPES): RgbImage {
  const rng = new Rng(mixSeed(seed, index, 0xb6c));
  const img = newImage(width, height, 0);
  // Background: a dark random base with a gentle gradient and per-pixel noise.
  // Kept below 140 in every channel so the (bright) shapes stand out.
  const base = [rng.int(20, 90), rng.int(20, 90), rng.int(20, 90)];
  const grad = [rng.uniform(-30, 30), rng.uniform(-30, 30), rng.uniform(-30, 30)];
  const d = new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length); // clamps, never wraps
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const t = (x + y) / (width + height), i = (y * width + x) * 3;
    const n = rng.nextU32(); // one draw gives the three channels' noise (+-20): rendering speed matters for training
    d[i] = base[0] + grad[0] * t + ((n & 255) - 128) * 0.15625;
    d[i + 1] = base[1] + grad[1] * t + (((n >>> 8) & 255) - 128) * 0.15625;
    d[i + 2] = base[2] + grad[2] * t + (((n >>> 16) & 255) - 128) * 0.15625;
  }
  for (const o of shapeObjects(seed, index, width, height, p)) {
    const shade = rng.uniform(0.8, 1);
    for (let y = o.box[1]; y < o.box[3]; y++) for (let x = o.box[0]; x < o.box[2]; x++) {
      const a = coverage(o, x, y);
      if (a === 0) continue;
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) d[i + c] = d[i + c] * (1 - a) + o.color[c] * shade * a;
    }
  }
  return img;
}

/** Labels [n, 5] of image `index`: the exact drawn geometry, normalised. */
export function shapeLabels(seed: number, index: number, width: number, height: number, p: ShapesParams = DEFAULT_SHAPES): Float32Array {
  const objs = shapeObjects(seed, index, width, height, p);
  if (!objs.length) return EMPTY_LABELS;
  const out = new Float32Array(objs.length * 5);
  objs.forEach((o, k) => {
    const [x1, y1, x2, y2] = o.box;
    out.set([o.cls, (x1 + x2) / 2 / width, (y1 + y2) / 2 / height, (x2 - x1) / width, (y2 - y1) / height], k * 5);
  });
  return out;
}

export interface ShapesOptions extends Partial<ShapesParams> {
  count: number;
  seed?: number;
  width?: number;
  height?: number;
}

/** A Shapes dataset of `count` images; the same seed gives the same images and labels. */
export function shapesDataset(o: ShapesOptions): Dataset {
  const seed = o.seed ?? 0, width = o.width ?? 416, height = o.height ?? width;
  const params: ShapesParams = { ...DEFAULT_SHAPES, ...Object.fromEntries(Object.entries(o).filter(([k, v]) => k in DEFAULT_SHAPES && v !== undefined)) };
  const samples: Sample[] = Array.from({ length: o.count }, (_, index) => ({
    imageId: `shapes-${seed}-${index}`,
    imagePath: `shapes:${seed}/${index}`,
    source: { kind: 'shapes', seed, index, width, height, params },
    width, height,
    labels: shapeLabels(seed, index, width, height, params),
    ignored: EMPTY_LABELS, ignoredKind: [],
  }));
  return { origin: `shapes (seed ${seed}, ${o.count} images, ${width}x${height})`, names: [...SHAPE_NAMES], samples, problems: [] };
}
