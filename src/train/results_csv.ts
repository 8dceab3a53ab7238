// results.csv: one row per epoch, appended as the run goes so a crash keeps
// the rows so far. On resume, rows after the resumed epoch (written after
// the checkpoint being resumed) are dropped so no epoch appears twice.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic_write.js';

export const RESULTS_COLUMNS = ['epoch', 'iteration', 'train_bbox', 'train_obj', 'train_cls', 'train_loss', 'lr', 'map50', 'map', 'time_s'] as const;

export type ResultsRow = Record<string, number | undefined>;

export interface ResultsCsvOptions {
  /** Keep only rows with epoch <= this (resume); default: keep all. */
  resumeAfterEpoch?: number;
}

function formatValue(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(7)));
}

export class ResultsCsv {
  constructor(readonly path: string, readonly columns: readonly string[] = RESULTS_COLUMNS, options: ResultsCsvOptions = {}) {
    if (!columns.includes('epoch')) throw new Error('ResultsCsv: the columns must include "epoch"');
    const header = columns.join(',');
    if (!existsSync(path)) {
      writeFileAtomic(path, Buffer.from(header + '\n'));
      return;
    }
    const table = readResultsCsv(path);
    if (table.columns.join(',') !== header) throw new Error(`${path}: columns "${table.columns.join(',')}" differ from this run's "${header}"`);
    if (options.resumeAfterEpoch !== undefined) {
      const keep = table.rows.filter((r) => (r.epoch ?? Infinity) <= options.resumeAfterEpoch!);
      if (keep.length !== table.rows.length) writeFileAtomic(path, Buffer.from([header, ...keep.map((r) => this.#line(r))].join('\n') + '\n'));
    }
  }

  #line(row: ResultsRow): string {
    return this.columns.map((c) => formatValue(row[c])).join(',');
  }

  /** Appends one row; columns it lacks stay empty, unknown keys are an error. */
  append(row: ResultsRow): void {
    const unknown = Object.keys(row).filter((k) => !this.columns.includes(k));
    if (unknown.length) throw new Error(`${this.path}: unknown column(s) ${unknown.join(', ')}`);
    appendFileSync(this.path, this.#line(row) + '\n');
  }
}

/** Reads a results CSV; empty cells become undefined. */
export function readResultsCsv(path: string): { columns: string[]; rows: ResultsRow[] } {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`${path}: empty results file (no header)`);
  const columns = lines[0].split(',');
  const rows = lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== columns.length) throw new Error(`${path}:${i + 2}: ${cells.length} cells, header has ${columns.length}`);
    const row: ResultsRow = {};
    columns.forEach((c, j) => {
      const cell = cells[j].trim();
      if (cell === '') return;
      const v = Number(cell);
      if (Number.isNaN(v) && cell !== 'NaN') throw new Error(`${path}:${i + 2}: column ${c} is not a number: ${JSON.stringify(cell)}`);
      row[c] = v;
    });
    return row;
  });
  return { columns, rows };
}
