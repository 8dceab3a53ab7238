// `yolov3 experiment series`: the series' three experiments (box loss,
// objectness target, anchor assignment) as five runs and one report;
// `yolov3 experiment report DIR` rebuilds the report from what the runs
// have written. Defaults fit a 2-core CPU in about an hour; the series'
// own scale is `--model yolov3 --images 100 --epochs 150` (a GPU's work).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSeriesExperiment } from '../experiment/run_series.js';
import { writeReport } from '../experiment/report.js';
import { EXTRA_RUNS, SERIES_RUNS } from '../experiment/series_runs.js';
import { formatHelp, parseArgs, UsageError, type Specs } from './args.js';

/** A path in the repository (this file runs from src/cli or dist/src/cli). */
function repoPath(...p: string[]): string {
  const up = fileURLToPath(new URL('.', import.meta.url)).includes('/dist/') ? '../../../' : '../../';
  return join(fileURLToPath(new URL(up, import.meta.url)), ...p);
}

/** The defaults: one place (the help prints them). */
export const EXPERIMENT_DEFAULTS = {
  model: 'yolov3-tiny',
  data: repoPath('..', 'shared', 'data', 'coco128', 'coco128.yaml'),
  images: 8,
  epochs: 500,
  imgSize: 416,
  batchSize: 2,
  // every run at once, one thread each: on 2 cores no run waits for another, and none idles at the end
  parallel: 5,
  out: 'runs/experiment/series',
};

const SPECS = {
  model: { type: 'string', help: `yolov3-tiny, yolov3 (the cfgs in cfg/) or a .cfg path (default ${EXPERIMENT_DEFAULTS.model})` },
  data: { type: 'string', help: 'dataset (.yaml, .data, COCO .json, VOC folder); default COCO128 from ../shared when present' },
  images: { type: 'number', integer: true, min: 1, help: `train and evaluate on the first n images (default ${EXPERIMENT_DEFAULTS.images}; the series: 100)` },
  epochs: { type: 'number', integer: true, min: 1, help: `epochs per run (default ${EXPERIMENT_DEFAULTS.epochs}; the series: 150)` },
  'img-size': { type: 'number', integer: true, min: 32, help: `training size (default ${EXPERIMENT_DEFAULTS.imgSize})` },
  'batch-size': { type: 'number', integer: true, min: 1, help: `images per batch (default ${EXPERIMENT_DEFAULTS.batchSize}; the series: 4)` },
  parallel: { type: 'number', integer: true, min: 1, help: `runs trained at once, the cores split between them (default ${EXPERIMENT_DEFAULTS.parallel})` },
  out: { type: 'string', help: `experiment folder; the same folder again continues it (default ${EXPERIMENT_DEFAULTS.out})` },
  runs: { type: 'string', help: `comma-separated runs of ${SERIES_RUNS.map((r) => r.name).join(', ')} (default: these five) and ${EXTRA_RUNS.map((r) => r.name).join(', ')}` },
} satisfies Specs;

const USAGE = 'usage: yolov3 experiment series [options] | yolov3 experiment report DIR';

function resolveModel(model: string): string {
  if (model.endsWith('.cfg')) {
    if (!existsSync(model)) throw new UsageError(`yolov3 experiment: --model ${model}: no such file`);
    return model;
  }
  const cfg = repoPath('cfg', `${model}.cfg`);
  if (!existsSync(cfg)) throw new UsageError(`yolov3 experiment: --model must be yolov3-tiny, yolov3 or a .cfg path, got '${model}'`);
  return cfg;
}

async function runSeries(argv: string[]): Promise<number> {
  const a = parseArgs('yolov3 experiment series', SPECS, argv);
  if (a.help) {
    console.log(formatHelp(USAGE, SPECS));
    return 0;
  }
  const d = EXPERIMENT_DEFAULTS;
  const data = a.data ?? d.data;
  if (!a.data && !existsSync(data)) throw new UsageError(`yolov3 experiment: --data is required (${data} is not here)`);
  const r = await runSeriesExperiment({
    cfg: resolveModel(a.model ?? d.model), data, images: a.images ?? d.images, epochs: a.epochs ?? d.epochs,
    imgSize: a['img-size'] ?? d.imgSize, batchSize: a['batch-size'] ?? d.batchSize, parallel: a.parallel ?? d.parallel,
    out: a.out ?? d.out, runs: a.runs?.split(',').map((s) => s.trim()).filter(Boolean),
  });
  console.log(`report: ${r.report} (and report.html beside it)`);
  if (r.failed.length) console.error(`failed runs: ${r.failed.join(', ')}`);
  return r.interrupted ? 130 : r.failed.length ? 1 : 0;
}

export async function runExperiment(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'series') return runSeries(rest);
  if (sub === 'report') {
    if (rest.length !== 1 || rest[0].startsWith('--')) throw new UsageError(`yolov3 experiment report: give the experiment folder\n${USAGE}`);
    await writeReport(rest[0]);
    console.log(`report: ${join(rest[0], 'report.md')} (and report.html beside it)`);
    return 0;
  }
  if (sub === '--help' || sub === '-h') {
    console.log(formatHelp(USAGE, SPECS));
    return 0;
  }
  throw new UsageError(`yolov3 experiment: use 'series' or 'report DIR'\n${USAGE}`);
}
