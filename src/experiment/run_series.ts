// `yolov3 experiment series`: the five runs of series_runs.ts, each an
// ordinary `yolov3 train` in a child process (its own run folder, log and
// checkpoints), P at a time with the cores split between them; then the
// report. Run again with the same --out, it continues: finished runs are
// kept, interrupted ones resume from their `last` checkpoint, and a run
// that died before its first checkpoint starts over.
//
// Children get their own process group, so a Ctrl-C at the terminal reaches
// only this process, which passes one SIGINT to each child: each saves a
// resumable `last` (train's own Ctrl-C) and the experiment exits 130.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic_write.js';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRunTables } from './run_tables.js';
import { writeReport, type ExperimentInfo } from './report.js';
import { selectRuns, type SeriesRun } from './series_runs.js';
import { trainArgs, type ExperimentSettings } from './series_settings.js';

export interface ExperimentOptions extends ExperimentSettings {
  out: string;
  runs?: string[];
  /** Runs trained at once (default 1). */
  parallel?: number;
  log?: (line: string) => void;
}

export interface ExperimentResult {
  interrupted: boolean;
  failed: string[];
  report: string;
}

const MAIN_JS = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** experiment.json: written once; a later call must ask for the same settings. */
function recordExperiment(o: ExperimentOptions, runs: SeriesRun[]): void {
  const info: ExperimentInfo = {
    runs: runs.map((r) => r.name),
    settings: { cfg: o.cfg, data: o.data, images: o.images, epochs: o.epochs, imgSize: o.imgSize, batchSize: o.batchSize },
  };
  const p = join(o.out, 'experiment.json');
  if (existsSync(p)) {
    const before = JSON.parse(readFileSync(p, 'utf8')) as ExperimentInfo;
    if (JSON.stringify(before.settings) !== JSON.stringify(info.settings)) {
      throw new Error(`${p}: this folder holds an experiment with other settings (${JSON.stringify(before.settings)}); use another --out`);
    }
    info.runs = [...new Set([...before.runs, ...info.runs])];
  }
  writeFileAtomic(p, Buffer.from(JSON.stringify(info, null, 2) + '\n'));
}

/** What to do with one run: nothing (finished), resume it, or start it (clearing a folder with no checkpoint). */
function nextAction(o: ExperimentOptions, run: SeriesRun): { kind: 'done' } | { kind: 'train'; args: string[] } {
  const dir = join(o.out, run.name);
  const last = join(dir, 'weights', 'last.safetensors');
  const rows = readRunTables(o.out, run.name)?.results.length ?? 0;
  if (rows >= o.epochs && existsSync(join(dir, 'weights', 'last.weights'))) return { kind: 'done' };
  if (existsSync(last)) return { kind: 'train', args: ['--resume', last] };
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  return { kind: 'train', args: trainArgs(o, run, o.out) };
}

function startChild(o: ExperimentOptions, run: SeriesRun, args: string[], threads: number): ChildProcess {
  const logFile = createWriteStream(join(o.out, `${run.name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [MAIN_JS, 'train', ...args], {
    env: { ...process.env, YOLO_NUM_THREADS: String(threads) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.pipe(logFile);
  child.stderr!.pipe(logFile);
  return child;
}

/** One line of where every run stands, from its results.csv. */
function statusLine(o: ExperimentOptions, runs: SeriesRun[]): string {
  return runs.map((r) => {
    const rows = readRunTables(o.out, r.name)?.results ?? [];
    const m = rows.filter((x) => x.map50 !== undefined).pop()?.map50;
    return `${r.name} ${rows.length}/${o.epochs}${m !== undefined ? ` mAP@0.5 ${m.toFixed(3)}` : ''}`;
  }).join(' | ');
}

/** Runs (or continues) the experiment in `o.out` and writes its report. */
export async function runSeriesExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  const runs = selectRuns(o.runs);
  mkdirSync(o.out, { recursive: true });
  recordExperiment(o, runs);
  const parallel = Math.max(1, Math.min(o.parallel ?? 1, runs.length));
  const threads = Math.max(1, Math.floor(availableParallelism() / parallel));
  const queue = runs.map((run) => ({ run, action: nextAction(o, run) })).filter((q) => q.action.kind === 'train');
  for (const r of runs) if (!queue.some((q) => q.run === r)) log(`experiment: ${r.name} is finished; kept`);
  const running = new Set<ChildProcess>();
  const failed: string[] = [];
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) return;
    interrupted = true;
    log('experiment: Ctrl-C — each run saves a resumable checkpoint; run the same command again to continue');
    for (const c of running) c.kill('SIGINT');
  };
  process.on('SIGINT', onSigint);
  const ticker = setInterval(() => log(`experiment: ${statusLine(o, runs)}`), 30_000);
  try {
    await Promise.all(Array.from({ length: parallel }, async () => {
      for (let q = queue.shift(); q && !interrupted; q = queue.shift()) {
        if (q.action.kind !== 'train') continue;
        log(`experiment: ${q.run.name}: yolov3 train ${q.action.args.join(' ')} (${threads} thread${threads > 1 ? 's' : ''}; log ${join(o.out, q.run.name + '.log')})`);
        const child = startChild(o, q.run, q.action.args, threads);
        running.add(child);
        const code = await new Promise<number>((resolve) => child.on('close', (c, sig) => resolve(c ?? (sig ? 128 : 1))));
        running.delete(child);
        if (code === 130 && interrupted) continue;
        if (code !== 0) {
          failed.push(q.run.name);
          log(`experiment: ${q.run.name} failed (exit ${code}); see ${join(o.out, q.run.name + '.log')}`);
        } else log(`experiment: ${q.run.name} finished`);
      }
    }));
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', onSigint);
  }
  log(`experiment: ${statusLine(o, runs)}`);
  await writeReport(o.out);
  return { interrupted, failed, report: join(o.out, 'report.md') };
}
