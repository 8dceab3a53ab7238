// The end-of-run picture of a training: loss and mAP curves per epoch, drawn
// as an SVG string (axes, ticks, legend, one polyline per column) and
// rasterised to PNG by sharp.
import sharp from 'sharp';
import { writeFileAtomic } from '../util/atomic_write.js';
import type { ResultsRow } from './results_csv.js';

export interface CurvePanel {
  title: string;
  columns: string[];
  /** This panel's own rows (e.g. one run per column, overlaid); default: the rows curvesSvg is given. */
  rows?: ResultsRow[];
}

export const DEFAULT_PANELS: CurvePanel[] = [
  { title: 'Training loss', columns: ['train_loss', 'train_bbox', 'train_obj', 'train_cls'] },
  { title: 'mAP', columns: ['map50', 'map'] },
];

export interface CurvesOptions {
  x?: string;
  panels?: CurvePanel[];
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const M = { left: 64, right: 16, top: 36, bottom: 44 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** About `count` round tick values (1, 2 or 5 times a power of ten) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((f) => f * p).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function label(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

function panelSvg(rows: ResultsRow[], x: string, panel: CurvePanel, ox: number, w: number, h: number): string {
  const pw = w - M.left - M.right;
  const ph = h - M.top - M.bottom;
  const xs = rows.map((r) => r[x]).filter((v): v is number => Number.isFinite(v));
  const ys = rows.flatMap((r) => panel.columns.map((c) => r[c])).filter((v): v is number => Number.isFinite(v));
  const out: string[] = [`<g transform="translate(${ox},0)">`];
  out.push(`<text x="${w / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">${esc(panel.title)}</text>`);
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="white" stroke="#444"/>`);
  if (xs.length === 0 || ys.length === 0) {
    out.push(`<text x="${M.left + pw / 2}" y="${M.top + ph / 2}" text-anchor="middle" font-size="14" fill="#888">no data</text></g>`);
    return out.join('');
  }
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  let y0 = Math.min(0, ...ys); // losses and mAP read best from zero
  let y1 = Math.max(...ys) * 1.05;
  if (!(y1 > y0)) y1 = y0 + 1;
  const sx = (v: number) => M.left + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number) => M.top + ph - ((v - y0) / (y1 - y0)) * ph;
  for (const t of niceTicks(y0, y1)) {
    out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${sy(t)}" y2="${sy(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${sy(t) + 4}" text-anchor="end" font-size="12">${label(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1).filter((t) => Number.isInteger(t))) {
    out.push(`<line x1="${sx(t)}" x2="${sx(t)}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#444"/>`);
    out.push(`<text x="${sx(t)}" y="${M.top + ph + 19}" text-anchor="middle" font-size="12">${label(t)}</text>`);
  }
  out.push(`<text x="${M.left + pw / 2}" y="${h - 6}" text-anchor="middle" font-size="13">${esc(x)}</text>`);
  const drawn: number[][] = [];
  panel.columns.forEach((c, i) => {
    const color = COLORS[i % COLORS.length];
    // epochs without a value (mAP is evaluated every few epochs) are skipped: the line joins the evaluated ones
    const pts = rows
      .filter((r) => Number.isFinite(r[x]) && Number.isFinite(r[c]))
      .map((r) => [sx(r[x]!).toFixed(1), sy(r[c]!).toFixed(1)]);
    if (pts.length > 1) out.push(`<polyline points="${pts.map((p) => p.join(',')).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    if (pts.length <= 30) for (const [cx, cy] of pts) out.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`);
    for (const [px, py] of pts) drawn.push([Number(px), Number(py)]);
  });
  // the legend goes in the inside corner that covers the fewest data points
  const lw = Math.max(130, 44 + 7.2 * Math.max(...panel.columns.map((c) => c.length))); // DejaVu Sans 12 px: about 7 px a character
  const lh = panel.columns.length * 18 + 8;
  const corners = [[M.left + pw - lw - 6, M.top + 6], [M.left + pw - lw - 6, M.top + ph - lh - 6], [M.left + 6, M.top + 6], [M.left + 6, M.top + ph - lh - 6]];
  const covered = (cx: number, cy: number) => drawn.filter(([px, py]) => px >= cx - 8 && px <= cx + lw + 8 && py >= cy - 8 && py <= cy + lh + 8).length;
  const [lx, ly0] = corners.reduce((best, c) => (covered(c[0], c[1]) < covered(best[0], best[1]) ? c : best));
  out.push(`<rect x="${lx}" y="${ly0}" width="${lw}" height="${lh}" fill="white" fill-opacity="0.85" stroke="#bbb"/>`);
  panel.columns.forEach((c, i) => {
    const color = COLORS[i % COLORS.length];
    const ly = ly0 + 18 + i * 18;
    out.push(`<line x1="${lx + 8}" x2="${lx + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 36}" y="${ly}" font-size="12">${esc(c)}</text>`);
  });
  out.push('</g>');
  return out.join('');
}

/** An SVG of side-by-side panels, one per group of columns, against `x` (default epoch). */
export function curvesSvg(rows: ResultsRow[], options: CurvesOptions = {}): string {
  const panels = options.panels ?? DEFAULT_PANELS;
  const width = options.width ?? 600 * panels.length;
  const height = options.height ?? 420;
  const w = width / panels.length;
  const body = panels.map((p, i) => panelSvg(p.rows ?? rows, options.x ?? 'epoch', p, i * w, w, height)).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">` +
    `<rect width="${width}" height="${height}" fill="white"/>${body}</svg>`;
}

/** Writes the curves as a PNG (atomically: a resumed run redraws over the previous one). */
export async function saveCurvesPng(rows: ResultsRow[], path: string, options: CurvesOptions = {}): Promise<void> {
  writeFileAtomic(path, await sharp(Buffer.from(curvesSvg(rows, options))).png().toBuffer());
}
