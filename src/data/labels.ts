// YOLO label text ("cls x y w h" per line, normalised) parsed with validation:
// each bad line is reported with its file and line, then skipped or, in
// strict mode, stops the run. Slightly-outside boxes (rounding) are clipped.

import { Reporter, EMPTY_LABELS } from './types.js';

/** How far outside 0..1 a box edge may stick before the line is rejected. */
export const EDGE_TOLERANCE = 0.01;

/** Clips a normalised xywh box to 0..1; returns null when nothing is left. */
export function clipBox(x: number, y: number, w: number, h: number): [number, number, number, number] | null {
  const x1 = Math.max(0, x - w / 2), x2 = Math.min(1, x + w / 2);
  const y1 = Math.max(0, y - h / 2), y2 = Math.min(1, y + h / 2);
  if (x2 <= x1 || y2 <= y1) return null;
  return [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1];
}

/** Checks one box; returns the reason it is garbage, or null. */
export function boxProblem(cls: number, x: number, y: number, w: number, h: number, nc: number): string | null {
  if (!Number.isInteger(cls) || cls < 0) return `class ${cls} is not a non-negative integer`;
  if (nc > 0 && cls >= nc) return `class ${cls} out of range 0..${nc - 1}`;
  if (!(w > 0) || !(h > 0)) return `box width and height must be > 0 (w=${w}, h=${h})`;
  const t = EDGE_TOLERANCE;
  if (x - w / 2 < -t || x + w / 2 > 1 + t || y - h / 2 < -t || y + h / 2 > 1 + t)
    return `box (x=${x}, y=${y}, w=${w}, h=${h}) lies outside the image (normalised coordinates must be within 0..1)`;
  return null;
}

/**
 * Parses a YOLO label file's text into [n, 5] rows. `nc` = number of classes
 * (0: unchecked). Bad lines go to `reporter` with `file` and 1-based line.
 */
export function parseYoloLabels(text: string, file: string, nc: number, reporter: Reporter): Float32Array {
  const out: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const bad = (message: string) => reporter.report({ kind: 'label-line', file, line: i + 1, message: `${message}: "${line}"` });
    const fields = line.split(/\s+/);
    if (fields.length !== 5) { bad(`expected 5 fields (cls x y w h), got ${fields.length}`); continue; }
    const v = fields.map(Number);
    const nonNumeric = fields.findIndex((f, k) => !Number.isFinite(v[k]) || f === '');
    if (nonNumeric >= 0) { bad(`field ${nonNumeric + 1} "${fields[nonNumeric]}" is not a number`); continue; }
    const [cls, x, y, w, h] = v;
    const problem = boxProblem(cls, x, y, w, h, nc);
    if (problem) { bad(problem); continue; }
    const c = clipBox(x, y, w, h);
    if (!c) { bad('box is empty after clipping to the image'); continue; }
    out.push(cls, c[0], c[1], c[2], c[3]);
  }
  return out.length ? Float32Array.from(out) : EMPTY_LABELS;
}

/**
 * Converts pixel corner boxes (x1, y1, x2, y2) to normalised [n, 5] rows,
 * clipping to the image. Used by the COCO and VOC readers.
 */
export function pixelBoxToRow(cls: number, x1: number, y1: number, x2: number, y2: number, width: number, height: number): number[] | null {
  const c = clipBox((x1 + x2) / 2 / width, (y1 + y2) / 2 / height, (x2 - x1) / width, (y2 - y1) / height);
  return c ? [cls, ...c] : null;
}
