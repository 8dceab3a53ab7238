// Shared timing helpers for benchmarks.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** The Python whose torch the references use: Debian's here; BENCH_PYTHON elsewhere (scripts/gpu-check.sh: the CUDA PyTorch's). */
export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
/** dist/bench/timing.js sits two levels below the repository root. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Median wall time in seconds of `fn` over `repeats` runs, after two warm-up runs. */
export function medianSeconds(fn: () => void, repeats: number): number {
  fn();
  fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export interface Spread { min: number; median: number }

/** The fastest and the median of some timings (in their own unit). */
export function spread(values: number[]): Spread {
  const s = [...values].sort((p, q) => p - q);
  return { min: s[0], median: s[Math.floor(s.length / 2)] };
}

/**
 * onnxruntime's session options in the alternating benchmarks: its worker
 * threads keep spinning through a run, as by default, but stop when the run
 * returns. By default they spin on for about 2^20 pause instructions after
 * each run (tens of milliseconds: longer than the pause below), so on 2
 * cores the engine timed next ran beside a spinning thread (measured,
 * depthwise cfg, batch 1: our forward's median 28 ms after onnxruntime's
 * runs, 17-18 ms after nothing); with the spinning stopped at the end of
 * each run onnxruntime's own times stayed as they were (README, issue 15).
 */
export const ONNXRUNTIME_BENCH_SESSION_OPTIONS = { extra: { session: { force_spinning_stop: '1' } } };

/**
 * Times `a` and `b` in `n` alternating pairs (who goes first alternates)
 * after one warm-up each, so a noisy neighbour slows both alike, with `gapMs`
 * of idle before each timed run, so that neither engine's threads, still
 * spinning after its own run, take the cores the other needs: ms per run.
 */
export async function alternatingPairs(a: () => Promise<unknown>, b: () => Promise<unknown>, n: number, gapMs: number): Promise<[number[], number[]]> {
  await a();
  await b();
  const ta: number[] = [];
  const tb: number[] = [];
  const time = async (fn: () => Promise<unknown>, into: number[]): Promise<void> => {
    await sleep(gapMs);
    const t0 = process.hrtime.bigint();
    await fn();
    into.push(Number(process.hrtime.bigint() - t0) / 1e6);
  };
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) { await time(a, ta); await time(b, tb); } else { await time(b, tb); await time(a, ta); }
  }
  return [ta, tb];
}

/** Prints rows as an aligned text table. */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map((v) => (typeof v === 'number' ? v.toFixed(v >= 100 ? 1 : 3) : v)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  console.log(`\n${title}`);
  for (const [n, r] of cells.entries()) {
    console.log(r.map((v, i) => String(v).padEnd(widths[i])).join('  '));
    if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}
