// Data-parallel training benchmark: yolov3-tiny at 416 on random weights and
// images, one global batch of 2 × BATCH images trained as 2 workers × 1
// thread (launchWorkers, the launcher of `yolov3 train --nproc 2`, each
// rank on its BATCH images, gradients averaged by the DistributedHook over
// Gloo) against 1 worker × 2 threads (one process on all of them, no
// collectives): the same work per step, split two ways over two cores;
// and 1 worker × 1 thread, the work on one core, as the scale for both.
// The 2 workers run twice over: the gradient allreduce after backward
// (the default) and overlapped with it (--ddp-overlap), alternating
// BENCH_DDP_ROUNDS times so both see the same load.
// Per step: the time, the gradient allreduce's time (and, overlapped, the
// part backward waited for) and the bytes it reduces, min and median over
// the measured steps after warm-up (rank 0's; the ranks meet at every
// allreduce). Run alone: `node dist/bench/ddp.js`.
// Environment: BENCH_DDP_STEPS (measured, default 4), BENCH_DDP_WARMUP (2),
// BENCH_DDP_BATCH (per rank, 2), BENCH_DDP_SIZE (416), BENCH_DDP_ROUNDS (2).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchWorkers } from '../src/train/ddp/launch.js';
import { REPO_ROOT, printTable } from './timing.js';
import { writeStepInputs } from './train.js';
import type { DdpWorkerSetup, StepTimes } from './ddp_worker.js';

const envInt = (name: string, fallback: number) => (process.env[name] ? Number.parseInt(process.env[name]!, 10) : fallback);
const WORKER = join(REPO_ROOT, 'dist', 'bench', 'ddp_worker.js');
const TORCHRUN = ['RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'];

interface Stat { min: number; median: number }
const stat = (xs: number[]): Stat => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 };
};

export interface DdpRow {
  config: string;
  workers: number;
  threads: number;
  globalBatch: number;
  stepSeconds: Stat;
  imagesPerSecond: number;
  computeSeconds: Stat;
  allreduceSeconds: Stat;
  /** The allreduce time not hidden behind backward. */
  exposedSeconds: Stat;
  /** At the barrier before the allreduce: the ranks' skew. */
  waitSeconds: Stat;
  bufferBroadcastSeconds: Stat;
  bytesPerStep: number;
  buckets: number;
  /** Bytes of the reduced buffers over the allreduce's median time (algorithm bandwidth; for a ring of 2 the same as the bus bandwidth). */
  allreduceBytesPerSecond: number;
}

/** Runs `workers` processes of ddp_worker.js on the setup; rank 0's measured steps. */
async function runConfig(setup: DdpWorkerSetup, workers: number): Promise<StepTimes[]> {
  const env: NodeJS.ProcessEnv = { ...process.env, YOLO_NUM_THREADS: String(setup.threads), OMP_NUM_THREADS: String(setup.threads) };
  for (const name of TORCHRUN) delete env[name];
  const json = JSON.stringify(setup);
  rmSync(join(setup.out, 'rank0.json'), { force: true });
  if (workers === 1) {
    const r = spawnSync(process.execPath, [WORKER, json], { env, stdio: 'inherit', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`ddp bench: the single worker failed (${r.error?.message ?? r.signal ?? `exit ${r.status}`})`);
  } else {
    const code = await launchWorkers({ nproc: workers, script: WORKER, args: [json], timeoutMs: 60_000, log: (s) => console.log(`  ${s}`) });
    if (code !== 0) throw new Error(`ddp bench: ${workers} workers failed (exit ${code})`);
  }
  return (JSON.parse(readFileSync(join(setup.out, 'rank0.json'), 'utf8')) as { steps: StepTimes[] }).steps;
}

function summarise(config: string, workers: number, threads: number, globalBatch: number, steps: StepTimes[]): DdpRow {
  const pick = (k: keyof StepTimes) => stat(steps.map((s) => s[k]));
  const step = pick('step'), allreduce = pick('allreduce');
  return {
    config, workers, threads, globalBatch, stepSeconds: step, imagesPerSecond: globalBatch / step.median, computeSeconds: pick('compute'),
    allreduceSeconds: allreduce, exposedSeconds: pick('exposed'), waitSeconds: pick('wait'), bufferBroadcastSeconds: pick('buffers'),
    bytesPerStep: steps[0].bytes, buckets: steps[0].buckets, allreduceBytesPerSecond: allreduce.median > 0 ? steps[0].bytes / allreduce.median : 0,
  };
}

/** 2 workers × 1 thread, after backward and overlapped, alternating `rounds` times; each mode's steps pooled. */
async function twoWorkerRows(base: Omit<DdpWorkerSetup, 'threads' | 'perRank'>, perRank: number, rounds: number): Promise<DdpRow[]> {
  const modes = [{ overlap: false, config: '2 workers × 1 thread, after backward' }, { overlap: true, config: '2 workers × 1 thread, overlapped' }];
  const steps: StepTimes[][] = modes.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [m, mode] of modes.entries()) steps[m].push(...await runConfig({ ...base, threads: 1, perRank, overlap: mode.overlap }, 2));
  }
  return modes.map((mode, m) => summarise(mode.config, 2, 1, 2 * perRank, steps[m]));
}

export async function benchDdp(): Promise<object> {
  const perRank = envInt('BENCH_DDP_BATCH', 2), size = envInt('BENCH_DDP_SIZE', 416), rounds = envInt('BENCH_DDP_ROUNDS', 2);
  const warmup = envInt('BENCH_DDP_WARMUP', 2), measured = envInt('BENCH_DDP_STEPS', 4);
  const cfg = join(REPO_ROOT, 'cfg', 'yolov3-tiny.cfg');
  const dir = mkdtempSync(join(tmpdir(), 'bench-ddp-'));
  try {
    const base = { ...writeStepInputs(dir, cfg, 2 * perRank, size), warmup, steps: measured, out: dir };
    const rows = [
      summarise('1 worker × 1 thread', 1, 1, 2 * perRank, await runConfig({ ...base, threads: 1, perRank: 2 * perRank }, 1)),
      summarise('1 worker × 2 threads', 1, 2, 2 * perRank, await runConfig({ ...base, threads: 2, perRank: 2 * perRank }, 1)),
      ...await twoWorkerRows(base, perRank, rounds),
    ];
    const ms = (s: Stat) => `${(s.min * 1e3).toFixed(0)} / ${(s.median * 1e3).toFixed(0)}`;
    printTable(`ddp: yolov3-tiny at ${size}, global batch ${2 * perRank}, ${measured} steps after ${warmup} warm-up (2 workers: ${rounds} alternating runs pooled; ms: min / median, rank 0)`,
      ['config', 'step', 'img/s', 'fwd+bwd', 'BN bcast', 'wait', 'allreduce', 'exposed', 'MB/step', 'buckets', 'allreduce MB/s'],
      rows.map((r) => {
        const ddp = r.workers > 1 ? [ms(r.bufferBroadcastSeconds), ms(r.waitSeconds), ms(r.allreduceSeconds), ms(r.exposedSeconds), (r.bytesPerStep / 1e6).toFixed(1), String(r.buckets), (r.allreduceBytesPerSecond / 1e6).toFixed(0)] : Array(7).fill('-');
        return [r.config, ms(r.stepSeconds), r.imagesPerSecond, ms(r.computeSeconds), ...ddp];
      }));
    const [one, twoThreads, after, overlapped] = rows.map((r) => r.stepSeconds.median);
    const speedup = { overTwoThreads: twoThreads / after, overOneThread: one / after, overlapOverAfter: after / overlapped };
    console.log(`2 workers × 1 thread (after backward, the default): ${speedup.overTwoThreads.toFixed(2)}× the throughput of 1 worker × 2 threads, ${speedup.overOneThread.toFixed(2)}× that of 1 worker × 1 thread; overlapped: ${speedup.overlapOverAfter.toFixed(2)}× the throughput of after-backward (median steps)`);
    return { model: 'yolov3-tiny', imgSize: size, perRankBatch: perRank, warmup, steps: measured, rounds, rows, speedup };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await benchDdp(), null, 2));
