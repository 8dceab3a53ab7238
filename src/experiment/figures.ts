// The report's figures, as the series drew its Figures 2–4: mAP@0.5 per
// epoch of each compared run, overlaid — by our protocol (every training
// image, evaluated after the epoch) and by the series' (the batches just
// trained, every 10th iteration, accumulated over the epoch) — and, for the
// objectness and assignment comparisons, the loss parts per epoch.
import sharp from 'sharp';
import { join } from 'node:path';
import { curvesSvg } from '../train/curves.js';
import { overlayRows, type RunTables } from './run_tables.js';
import type { Comparison } from './series_runs.js';

export interface Figure {
  title: string;
  /** File name inside the experiment folder. */
  file: string;
}

async function savePanels(tables: RunTables[], panels: { title: string; column: string; source: 'results' | 'diagnostics' }[], path: string): Promise<void> {
  // one merged row set per panel: curvesSvg draws a panel's columns from the same rows
  const svgs = panels.map((p) => curvesSvg(overlayRows(tables, p.column, p.source), { panels: [{ title: p.title, columns: tables.map((t) => t.name) }], width: 560, height: 400 }));
  const width = 560 * svgs.length;
  const inner = svgs.map((s, i) => `<g transform="translate(${i * 560},0)">${s.replace(/^<svg[^>]*>/, '').replace(/<\/svg>$/, '')}</g>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="400" font-family="DejaVu Sans, sans-serif">${inner}</svg>`;
  await sharp(Buffer.from(svg)).png().toFile(path);
}

/** Draws one comparison's figures into `dir`; returns what was drawn. */
export async function drawComparison(dir: string, c: Comparison, all: RunTables[]): Promise<Figure[]> {
  const tables = c.runs.map((n) => all.find((t) => t.name === n)).filter((t): t is RunTables => t !== undefined);
  if (tables.length === 0 || (c.optional && tables.length < c.runs.length)) return [];
  const figures: Figure[] = [];
  const hasSeriesMap = tables.some((t) => t.diagnostics.some((r) => r.map50_series !== undefined));
  await savePanels(tables, [
    { title: 'mAP@0.5, all training images after each epoch', column: 'map50', source: 'results' },
    ...(hasSeriesMap ? [{ title: "mAP@0.5, the series' in-training protocol", column: 'map50_series', source: 'diagnostics' as const }] : []),
  ], join(dir, c.file));
  figures.push({ title: `${c.title} (${c.figure} of the series): mAP@0.5 per epoch`, file: c.file });
  if (c.lossParts) {
    const file = c.file.replace(/\.png$/, '-loss.png');
    await savePanels(tables, [
      { title: 'box loss', column: 'train_bbox', source: 'results' },
      { title: 'objectness loss', column: 'train_obj', source: 'results' },
      { title: 'class loss', column: 'train_cls', source: 'results' },
    ], join(dir, file));
    figures.push({ title: `${c.title}: training loss parts per epoch`, file });
  }
  return figures;
}
