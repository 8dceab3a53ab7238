// Runs fuzz cases: case i of seed S is fully determined by (S, i): its kind
// (round-robin over the kinds, or the one asked for), the file mutated, the
// mutation and the command. Each case copies the seed dataset into its own
// folder, writes the mutated file, runs the CLI in a child process with a
// timeout, and judges the outcome.
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Rng, mixSeed } from '../../src/data/rng.js';
import { REPO_ROOT } from '../support/references.js';
import { KINDS, commandsFor, type CasePaths } from './kinds.js';
import { mutate, mutateSafetensorsHeader } from './mutate.js';
import { judge, type Outcome, type Verdict } from './oracle.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
export const CASE_TIMEOUT_MS = 30_000;

export interface CaseResult extends Verdict {
  seed: number;
  index: number;
  kind: string;
  command: string;
  target: string;
  what: string;
  ms: number;
}

function runCli(args: string[], cwd: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, YOLO_NUM_THREADS: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '', timedOut = false;
    child.stderr.on('data', (d: Buffer) => { if (stderr.length < 100_000) stderr += d.toString('utf8'); });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, CASE_TIMEOUT_MS);
    child.on('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, timedOut, stderr }); });
  });
}

/** The case's paths: model files from the seeds unless the kind mutates one (then a copy in the case folder). */
function casePaths(seeds: string, dir: string, kind: string): CasePaths {
  const model = join(seeds, 'model'), own = join(dir, 'model');
  const p: CasePaths = { dir, cfg: join(model, 'model.cfg'), weights: join(model, 'model.weights'), names: join(model, 'model.names'), ckpt: join(model, 'model.safetensors'), ds: join(dir, 'ds') };
  const key = ({ cfg: 'cfg', weights: 'weights', names: 'names', checkpoint: 'ckpt' } as const)[kind as 'cfg'];
  if (key) {
    mkdirSync(own, { recursive: true });
    const copy = join(own, basename(p[key]));
    copyFileSync(p[key], copy);
    p[key] = copy;
  }
  return p;
}

export function kindOf(index: number, only?: string): string {
  const names = Object.keys(KINDS);
  return only ?? names[index % names.length];
}

/** A fresh case folder: its own copy of the seed dataset, and of the model file the kind mutates. */
export function prepareCase(root: string, name: string, kind: string): CasePaths {
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(root, 'seeds', 'ds'), join(dir, 'ds'), { recursive: true });
  if (kind === 'resume') for (const d of ['runs', 'model']) cpSync(join(root, 'seeds', d), join(dir, d), { recursive: true });
  return casePaths(join(root, 'seeds'), dir, kind);
}

/** Runs `command` of `kind` on the prepared case (its target already written) and judges it; removes the folder when it passed, unless `keep`. */
export async function execute(p: CasePaths, kind: string, command: string, target: string, keep = false): Promise<Verdict & { ms: number }> {
  const inv = KINDS[kind].commands[command](p, target);
  const t0 = Date.now();
  const outcome = await runCli(inv.args, p.dir);
  const verdict = judge(outcome, p.dir, target, inv.outputs);
  if (verdict.ok && !keep) rmSync(p.dir, { recursive: true, force: true });
  return { ...verdict, ms: Date.now() - t0 };
}

/** Runs case `index` of `seed` in `root` (seeds in root/seeds). */
export async function runCase(root: string, seed: number, index: number, only?: string, keep = false): Promise<CaseResult> {
  const kind = kindOf(index, only), r = new Rng(mixSeed(seed, index, 0x5eed));
  const p = prepareCase(root, `case-${seed}-${index}`, kind);
  const k = KINDS[kind], target = k.target(p, r);
  const original = readFileSync(target);
  const m = (kind === 'checkpoint' || kind === 'resume') && r.chance(0.5) ? mutateSafetensorsHeader(original, r) : mutate(original, k.binary, r);
  writeFileSync(target, m.bytes);
  const names = commandsFor(kind, target), command = names[r.int(0, names.length)];
  const v = await execute(p, kind, command, target, keep);
  return { ...v, seed, index, kind, command, target: target.slice(p.dir.length + 1), what: m.what };
}

/** Runs cases first..first+count-1, `parallel` at a time, calling `done` after each. */
export async function runCampaign(root: string, seed: number, count: number, opts: { kind?: string; parallel?: number; first?: number; keep?: boolean; done?: (c: CaseResult) => void } = {}): Promise<CaseResult[]> {
  const results: CaseResult[] = [], first = opts.first ?? 0;
  let next = first;
  const worker = async () => {
    while (next < first + count) {
      const c = await runCase(root, seed, next++, opts.kind, opts.keep);
      results.push(c);
      opts.done?.(c);
    }
  };
  await Promise.all(Array.from({ length: opts.parallel ?? 2 }, worker));
  return results.sort((a, b) => a.index - b.index);
}

/** Per kind: cases, successes, clean errors (with a line number), failures. */
export function tally(results: CaseResult[]): string {
  const by = new Map<string, { n: number; success: number; error: number; withLine: number; failed: number }>();
  for (const c of results) {
    const t = by.get(c.kind) ?? { n: 0, success: 0, error: 0, withLine: 0, failed: 0 };
    t.n++;
    if (!c.ok) t.failed++; else if (c.result === 'success') t.success++; else { t.error++; if (c.hasLine) t.withLine++; }
    by.set(c.kind, t);
  }
  const rows = [...by].map(([k, t]) => `${k.padEnd(14)} ${String(t.n).padStart(5)} ${String(t.success).padStart(8)} ${String(t.error).padStart(6)} ${String(t.withLine).padStart(10)} ${String(t.failed).padStart(7)}`);
  return [`${'kind'.padEnd(14)} ${'cases'.padStart(5)} ${'success'.padStart(8)} ${'error'.padStart(6)} ${'error:line'.padStart(10)} ${'FAILED'.padStart(7)}`, ...rows].join('\n');
}
