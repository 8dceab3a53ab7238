// The fuzzer's verdict on one finished command: it succeeded (and wrote
// complete outputs), or it failed cleanly: exit 1..125, one line on stderr
// naming the mutated file, no stack trace, and no output left behind.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, sep } from 'node:path';

export interface Outcome {
  status: number | null;
  signal: string | null;
  timedOut: boolean;
  stderr: string;
}

export interface Verdict {
  ok: boolean;
  /** 'success' | 'error' when ok, else what went wrong. */
  result: string;
  /** The error line (for the report). */
  line?: string;
  /** Whether the error line gives a line number (file:N or "line N"). */
  hasLine?: boolean;
}

const STACK = /^\s+at .+(\(.*:\d+:\d+\)|:\d+:\d+)$/m;

/** Files under `dir` (recursive). */
function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Why a successful command's output is incomplete, or null. */
function incomplete(output: string): string | null {
  if (output.endsWith('/')) {
    for (const f of walk(output)) if (statSync(f).size === 0) return `${f} is empty`;
    return null;
  }
  if (!existsSync(output)) return null; // not every run writes every output (no detections: no json)
  const bytes = readFileSync(output);
  if (bytes.length === 0) return `${output} is empty`;
  if (output.endsWith('.json')) { try { JSON.parse(bytes.toString('utf8')); } catch { return `${output} is not whole JSON`; } }
  if (output.endsWith('.png') && !bytes.subarray(-8).equals(PNG_END)) return `${output} is not a whole PNG`;
  return null;
}

/** The IEND chunk's type and CRC: the last 8 bytes of every whole PNG. */
const PNG_END = Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/**
 * What a failed command left: a PNG or JSON it wrote must be whole (data
 * check --strict writes its preview, then fails on the problems it found);
 * any other output (a model, a run's weights) must not be there.
 */
function leftovers(outputs: string[]): string | null {
  for (const o of outputs) {
    if (o.endsWith('.png') || o.endsWith('.json')) { const bad = incomplete(o); if (bad) return `failed command left ${bad}`; continue; }
    if (o.endsWith('/') ? walk(o).length > 0 : existsSync(o)) return `output ${o} written by a failed command`;
  }
  return null;
}

/**
 * The error names the mutated file, or the dataset folder holding it (an
 * emptied split list leaves a dataset with no images: the folder is what
 * was asked for). The case folder's `ds` itself is too broad.
 */
function namesFile(line: string, target: string, caseDir: string): boolean {
  if (line.includes(basename(target))) return true;
  const ds = join(caseDir, 'ds');
  for (let d = dirname(target); d.startsWith(ds + sep); d = dirname(d)) if (line.includes(d)) return true;
  return false;
}

export function judge(o: Outcome, caseDir: string, target: string, outputs: string[]): Verdict {
  if (o.timedOut) return { ok: false, result: 'hang (killed after the timeout)' };
  if (o.signal) return { ok: false, result: `killed by ${o.signal}` };
  const temp = walk(caseDir).find((f) => /\.tmp-\d+$/.test(f));
  if (temp) return { ok: false, result: `temporary file left: ${temp}` };
  const err = o.stderr.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  if (o.status === 0) {
    const bad = outputs.map(incomplete).find((x) => x !== null);
    return bad ? { ok: false, result: `success with ${bad}` } : { ok: true, result: 'success' };
  }
  if (o.status === null || o.status < 1 || o.status > 125) return { ok: false, result: `exit status ${o.status}` };
  if (STACK.test(o.stderr)) return { ok: false, result: 'stack trace', line: err.join(' | ').slice(0, 400) };
  if (err.length !== 1) return { ok: false, result: `${err.length} stderr lines`, line: err.join(' | ').slice(0, 400) };
  const line = err[0];
  if (!namesFile(line, target, caseDir)) return { ok: false, result: 'error does not name the file', line };
  const left = leftovers(outputs);
  if (left) return { ok: false, result: left, line };
  const hasLine = new RegExp(`${basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+|line \\d+`).test(line);
  return { ok: true, result: 'error', line, hasLine };
}
