// What the report reads from each run folder: results.csv (one row per
// epoch, written by the trainer) and diagnostics.csv (one row per epoch,
// written by the assignment-diagnostics hook), as plain rows; and the
// per-run summary the report's table shows.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readResultsCsv, type ResultsRow } from '../train/results_csv.js';

export interface RunTables {
  name: string;
  dir: string;
  results: ResultsRow[];
  diagnostics: ResultsRow[];
}

/** The tables of `name` under `root`, or null when the run has not written results yet. */
export function readRunTables(root: string, name: string): RunTables | null {
  const dir = join(root, name);
  const results = join(dir, 'results.csv');
  if (!existsSync(results)) return null;
  const diagnostics = join(dir, 'diagnostics.csv');
  return {
    name,
    dir,
    results: readResultsCsv(results).rows,
    diagnostics: existsSync(diagnostics) ? readResultsCsv(diagnostics).rows : [],
  };
}

export interface RunSummary {
  name: string;
  epochs: number;
  finalMap50?: number;
  finalMap?: number;
  bestMap50?: number;
  /** mAP@0.5:0.95 at the epoch of the best mAP@0.5. */
  mapAtBest?: number;
  /** 1-based epoch of the best mAP@0.5. */
  bestEpoch?: number;
  /** Seconds of training, summed over the calls of a resumed run. */
  wallSeconds: number;
}

/**
 * time_s counts from the start of each train() call, so a resumed run's
 * clock restarts: the wall time is the sum of each call's last value (the
 * part of an interrupted epoch that was redone is not counted twice).
 */
export function wallSeconds(rows: ResultsRow[]): number {
  let total = 0, last = 0;
  for (const r of rows) {
    const t = r.time_s;
    if (t === undefined) continue;
    if (t < last) total += last;
    last = t;
  }
  return total + last;
}

export function summarizeRun(t: RunTables): RunSummary {
  const evaluated = t.results.filter((r) => r.map50 !== undefined);
  const last = evaluated[evaluated.length - 1];
  let best: ResultsRow | undefined;
  for (const r of evaluated) if (!best || r.map50! > best.map50!) best = r;
  return {
    name: t.name,
    epochs: t.results.length,
    finalMap50: last?.map50,
    finalMap: last?.map,
    bestMap50: best?.map50,
    mapAtBest: best?.map,
    bestEpoch: best ? best.epoch! + 1 : undefined,
    wallSeconds: wallSeconds(t.results),
  };
}

/**
 * Rows keyed by run name, one per epoch (1-based, as the series' figures
 * and TensorBoard steps count), holding `column` of each run: the shape
 * curvesSvg draws as overlaid lines.
 */
export function overlayRows(tables: RunTables[], column: string, source: 'results' | 'diagnostics' = 'results'): ResultsRow[] {
  const byEpoch = new Map<number, ResultsRow>();
  for (const t of tables) {
    for (const r of t[source]) {
      if (r.epoch === undefined || r[column] === undefined) continue;
      const e = r.epoch + 1;
      if (!byEpoch.has(e)) byEpoch.set(e, { epoch: e });
      byEpoch.get(e)![t.name] = r[column];
    }
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch! - b.epoch!);
}
