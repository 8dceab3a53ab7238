// `report.md` and `report.html` of a series experiment folder, rebuilt from
// whatever its runs have written so far (finished or partial): the three
// comparisons' figures, a table per run, and the assignment diagnostic of
// pred-iou (the series' compute_loss2) against best-iou.
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic_write.js';
import { join } from 'node:path';
import { drawComparison } from './figures.js';
import { readRunTables, summarizeRun, type RunTables } from './run_tables.js';
import { toHtml, toMarkdown, type Block } from './report_doc.js';
import { SERIES_COMPARISONS, seriesRun } from './series_runs.js';

/** experiment.json: what `experiment series` was asked to run. */
export interface ExperimentInfo {
  runs: string[];
  /** The settings shared by every run (options of `yolov3 train`), for the report's header. */
  settings: Record<string, unknown>;
}

export function readExperimentInfo(dir: string): ExperimentInfo {
  const p = join(dir, 'experiment.json');
  if (!existsSync(p)) throw new Error(`${dir}: no experiment.json (not an experiment folder made by 'yolov3 experiment series')`);
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as ExperimentInfo;
  } catch (e) {
    throw new Error(`${p}: ${(e as Error).message}`);
  }
}

const f4 = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(4));
const f3 = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(3));
const minutes = (s: number) => `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;

function plannedEpochs(t: RunTables): number | undefined {
  const p = join(t.dir, 'options.json');
  if (!existsSync(p)) return undefined;
  return (JSON.parse(readFileSync(p, 'utf8')) as { epochs?: number }).epochs;
}

function runTable(tables: RunTables[]): Block {
  const rows = tables.map((t) => {
    const s = summarizeRun(t);
    const planned = plannedEpochs(t);
    const role = seriesRun(t.name)?.role ?? '';
    return [t.name, role, `${s.epochs}${planned ? `/${planned}` : ''}`, f4(s.finalMap50), f4(s.finalMap), f4(s.bestMap50), f4(s.mapAtBest), String(s.bestEpoch ?? '—'), minutes(s.wallSeconds)];
  });
  return { kind: 'table', header: ['run', 'what', 'epochs', 'final mAP@0.5', 'final mAP@0.5:0.95', 'best mAP@0.5', 'mAP@0.5:0.95 at best', 'best epoch', 'wall time'], rows };
}

/** Per epoch, pred-iou and best-iou side by side: how stable the assignment is and what the network predicts there. */
function diagnosticTable(tables: RunTables[]): Block | null {
  const pair = ['iou-iou-pred-iou', 'iou-iou-best-iou'].map((n) => tables.find((t) => t.name === n));
  if (pair.every((t) => !t || t.diagnostics.length === 0)) return null;
  const epochs = [...new Set(pair.flatMap((t) => t?.diagnostics.map((r) => r.epoch!) ?? []))].sort((a, b) => a - b);
  const cell = (t: RunTables | undefined, e: number, c: string) => f3(t?.diagnostics.find((r) => r.epoch === e)?.[c]);
  const cols = ['assign_changed', 'assigned_iou', 'obj_assigned', 'obj_elsewhere'];
  return {
    kind: 'table',
    header: ['epoch', ...pair.flatMap((_, k) => cols.map((c) => `${k === 0 ? 'pred-iou' : 'best-iou'} ${c}`))],
    rows: epochs.map((e) => [String(e + 1), ...pair.flatMap((t) => cols.map((c) => cell(t, e, c)))]),
  };
}

/** Writes report.md and report.html (and the figures) in `dir`; returns the Markdown. */
export async function writeReport(dir: string): Promise<string> {
  const info = readExperimentInfo(dir);
  const tables = info.runs.map((n) => readRunTables(dir, n)).filter((t): t is RunTables => t !== null);
  const blocks: Block[] = [{ kind: 'heading', level: 1, text: "The series' experiments" }];
  const missing = info.runs.filter((n) => !tables.some((t) => t.name === n));
  blocks.push({ kind: 'paragraph', text: `Settings shared by every run: ${Object.entries(info.settings).map(([k, v]) => `\`${k}=${JSON.stringify(v)}\``).join(', ')}.` });
  if (missing.length) blocks.push({ kind: 'paragraph', text: `Not started yet: ${missing.join(', ')}.` });
  blocks.push({ kind: 'heading', level: 2, text: 'Runs' }, runTable(tables));
  for (const c of SERIES_COMPARISONS) {
    const figures = await drawComparison(dir, c, tables);
    if (figures.length === 0) continue;
    blocks.push({ kind: 'heading', level: 2, text: c.title });
    for (const f of figures) blocks.push({ kind: 'image', title: f.title, file: f.file });
  }
  const diag = diagnosticTable(tables);
  if (diag) {
    blocks.push({ kind: 'heading', level: 2, text: 'Assignment diagnostic: pred-iou (compute_loss2) vs best-iou' });
    blocks.push({
      kind: 'paragraph',
      text: 'Per epoch: `assign_changed`, the fraction of labels whose assigned (scale, anchor) differs from the previous epoch; `assigned_iou`, the mean IoU of the assigned predictions with their labels; `obj_assigned` and `obj_elsewhere`, the mean predicted objectness (sigmoid) at assigned cells and at every other cell.',
    }, diag);
  }
  const md = toMarkdown(blocks);
  writeFileAtomic(join(dir, 'report.md'), Buffer.from(md));
  writeFileAtomic(join(dir, 'report.html'), Buffer.from(toHtml(blocks, dir, "The series' experiments")));
  return md;
}
