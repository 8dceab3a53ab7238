// Shared timing helpers for benchmarks.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

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
