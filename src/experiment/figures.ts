// The report's figures, as the series drew its Figures 2–4: mAP@0.5 per
// epoch of each compared run, overlaid — by our protocol (every training
// image, evaluated after the epoch) and by the series' (the batches just
// trained, every 10th iteration, accumulated over the epoch) — and, for the
// objectness and assignment comparisons, the loss parts per epoch.
import sharp from 'sharp';
import { join } from 'node:path';
import { curvesSvg } from '../train/curves.js';
import { overlayRows, type RunTables } from './run_tables.js';
import { EXTRA_RUNS, type Comparison } from './series_runs.js';

export interface Figure {
  title: string;
  /** File name inside the experiment folder. */
  file: string;
}

/** Side-by-side panels, one per column, each overlaying that column of every run. */
async function savePanels(tables: RunTables[], panels: { title: string; column: string; source: 'results' | 'diagnostics' }[], path: string): Promise<void> {
  const runs = tables.map((t) => t.name);
  const svg = curvesSvg([], {
    panels: panels.map((p) => ({ title: p.title, columns: runs, rows: overlayRows(tables, p.column, p.source) })),
    width: 560 * panels.length,
    height: 400,
  });
  await sharp(Buffer.from(svg)).png().toFile(path);
}

/** Draws one comparison's figures into `dir`; returns what was drawn. */
export async function drawComparison(dir: string, c: Comparison, all: RunTables[]): Promise<Figure[]> {
  const tables = c.runs.map((n) => all.find((t) => t.name === n)).filter((t): t is RunTables => t !== undefined);
  // an optional comparison needs one of its extra runs: without them it would redraw a study figure
  const hasExtra = tables.some((t) => EXTRA_RUNS.some((r) => r.name === t.name));
  if (tables.length < (c.optional ? 2 : 1) || (c.optional && !hasExtra)) return [];
  const figures: Figure[] = [];
  const hasSeriesMap = tables.some((t) => t.diagnostics.some((r) => r.map50_series !== undefined));
  await savePanels(tables, [
    { title: 'mAP@0.5, all training images after each epoch', column: 'map50', source: 'results' },
    ...(hasSeriesMap ? [{ title: "mAP@0.5, the series' in-training protocol", column: 'map50_series', source: 'diagnostics' as const }] : []),
  ], join(dir, c.file));
  const source = c.figure.startsWith('not ') ? c.figure : `${c.figure} of the series`; // 'not in the series', or 'Figure 2 of the series'
  figures.push({ title: `${c.title} (${source}): mAP@0.5 per epoch`, file: c.file });
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
