// The data loader: seeded shuffle per epoch, dropLast, maxSamples, batches
// prepared ahead (prefetch) by worker threads or in-process, collated to
// tensors on the main thread. Each sample's augmentation is seeded by
// (seed, epoch, index), so results do not depend on the number of workers.

import { Worker } from 'node:worker_threads';
import { Rng, mixSeed } from './rng.js';
import { collate, batchImageSize, type Batch, type MultiScaleOptions, type PreparedSample } from './collate.js';
import { Preparer, type PrepareConfig, type Task } from './loader_task.js';
import { FULL_AUGMENT, type AugmentConfig } from './augment.js';
import type { Dataset, Problem } from './types.js';

export interface LoaderOptions {
  batchSize: number;
  /** Square training size (multiple of 32). */
  imgSize: number;
  shuffle?: boolean;
  seed?: number;
  dropLast?: boolean;
  /** Use only the first n samples (the seed's max_data_size). */
  maxSamples?: number;
  /** Worker threads; 0 prepares in the main thread. */
  workers?: number;
  /** Batches prepared ahead of the one being consumed. */
  prefetch?: number;
  augment?: AugmentConfig;
  multiScale?: MultiScaleOptions;
  /** Keep decoded images in RAM (per worker thread: memory grows with workers). */
  cache?: boolean;
  allowTruncated?: boolean;
  /** Data-parallel training: this rank's share of every epoch, as torch's DistributedSampler (see shardOrder). */
  shard?: Shard;
}

/** One rank of a data-parallel world. */
export interface Shard {
  rank: number;
  worldSize: number;
}

/**
 * torch.utils.data.DistributedSampler's split of an epoch's order: padded
 * to a multiple of the world size with its own first indices (so every
 * rank trains the same number of batches and no collective waits for a
 * rank that has none), then every worldSize-th index from `rank`.
 */
export function shardOrder(order: readonly number[], shard: Shard): number[] {
  const { rank, worldSize } = shard;
  if (!(Number.isInteger(worldSize) && worldSize >= 1 && Number.isInteger(rank) && rank >= 0 && rank < worldSize)) throw new Error(`shard: rank ${rank} is not in a world of ${worldSize}`);
  const total = Math.ceil(order.length / worldSize) * worldSize;
  const padded = [...order];
  while (padded.length < total) padded.push(...order.slice(0, total - padded.length));
  return padded.filter((_, i) => i % worldSize === rank);
}

type Pending = { resolve: (s: PreparedSample) => void; reject: (e: Error) => void };

export class DataLoader {
  readonly problems: Problem[] = [];
  private readonly options: Required<Omit<LoaderOptions, 'multiScale'>> & { multiScale?: MultiScaleOptions };
  private readonly count: number;
  private workers: Worker[] = [];
  private local: Preparer | null = null;
  private readonly pending = new Map<number, Pending>();
  private readonly inFlight: number[] = [];
  private queue: (Task & { pending: Pending })[] = [];
  private nextId = 0;
  private readonly bad = new Set<number>();
  /** Set when a worker thread dies: the run stops with this error instead of hanging. */
  private broken: Error | null = null;
  /** Batch pixel buffer reused by collate (grows to the largest batch). */
  private scratch: Float32Array | null = null;

  constructor(readonly dataset: Dataset, options: LoaderOptions) {
    this.options = {
      shuffle: true, seed: 0, dropLast: false, maxSamples: 0, workers: 0, prefetch: 2, augment: FULL_AUGMENT, cache: false, allowTruncated: false,
      ...options,
      shard: options.shard ?? { rank: 0, worldSize: 1 }, // also when given as undefined
    };
    this.count = this.options.maxSamples > 0 ? Math.min(this.options.maxSamples, dataset.samples.length) : dataset.samples.length;
    if (this.options.imgSize % 32 !== 0) throw new Error(`imgSize ${this.options.imgSize} is not a multiple of 32`);
    const samples = dataset.samples.slice(0, this.count);
    const decodeSize = Math.max(this.options.imgSize, this.options.multiScale?.max ?? 0);
    const config: PrepareConfig = { seed: this.options.seed, augment: this.options.augment, cache: this.options.cache, load: { longSide: decodeSize, allowTruncated: this.options.allowTruncated } };
    if (this.options.workers > 0) {
      for (let w = 0; w < this.options.workers; w++) {
        const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { samples, config } });
        worker.on('message', (m: { id: number; ok: boolean; result?: PreparedSample; error?: string }) => this.onMessage(w, m));
        worker.on('error', (e) => this.failAll(new Error(`loader worker ${w} crashed: ${e.message}`)));
        worker.on('exit', (code) => { if (this.workers.length) this.failAll(new Error(`loader worker ${w} exited (code ${code})`)); });
        worker.unref();
        this.workers.push(worker);
        this.inFlight.push(0);
      }
    } else this.local = new Preparer(samples, config);
  }

  /** Batches per epoch (of this rank's shard). */
  get length(): number {
    const n = Math.ceil(this.count / this.options.shard.worldSize);
    return this.options.dropLast ? Math.floor(n / this.options.batchSize) : Math.ceil(n / this.options.batchSize);
  }

  /** Sample indices of an epoch, in order: a permutation seeded by (seed, epoch), then this rank's shard of it. */
  order(epoch: number): number[] {
    const idx = Array.from({ length: this.count }, (_, i) => i);
    if (this.options.shuffle) new Rng(mixSeed(this.options.seed, epoch, 0x5f1e)).shuffle(idx);
    return this.options.shard.worldSize > 1 ? shardOrder(idx, this.options.shard) : idx;
  }

  /**
   * Yields the batches of one epoch; the caller disposes each batch.
   * `fromBatch` starts at that batch without preparing the ones before it
   * (a run resumed mid-epoch); what follows is the same as a full epoch's.
   */
  async *epoch(epoch = 0, o: { fromBatch?: number } = {}): AsyncGenerator<Batch> {
    const order = this.order(epoch).filter((i) => !this.bad.has(i));
    const bs = this.options.batchSize;
    const nb = this.options.dropLast ? Math.floor(order.length / bs) : Math.ceil(order.length / bs);
    const scheduled: Promise<(PreparedSample | null)[]>[] = [];
    const schedule = (b: number) => {
      const size = batchImageSize(this.options.imgSize, this.options.multiScale, this.options.seed, epoch, b);
      const tasks = order.slice(b * bs, (b + 1) * bs).map((index) => this.submit({ id: this.nextId++, index, epoch, size }).catch((e: Error) => {
        if (this.broken) return null;
        this.bad.add(index);
        this.problems.push({ kind: 'corrupt-image', file: this.dataset.samples[index].imagePath, message: `cannot prepare sample: ${e.message}; skipped` });
        return null;
      }));
      scheduled[b] = Promise.all(tasks);
    };
    const from = o.fromBatch ?? 0;
    if (!Number.isInteger(from) || from < 0) throw new Error(`DataLoader.epoch: fromBatch must be a whole number >= 0, got ${from}`);
    for (let b = from; b < nb; b++) {
      for (let a = b; a < Math.min(nb, b + 1 + this.options.prefetch); a++) if (!scheduled[a]) schedule(a);
      const ready = (await scheduled[b]).filter((s): s is PreparedSample => s !== null);
      delete scheduled[b];
      if (this.broken) throw this.broken;
      if (!ready.length) continue;
      const need = bs * 3 * ready[0].size * ready[0].size;
      if (!this.scratch || this.scratch.length < need) this.scratch = new Float32Array(need);
      yield collate(ready, this.scratch);
    }
  }

  private submit(task: Task): Promise<PreparedSample> {
    if (this.local) return this.local.run(task);
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.queue.push({ ...task, pending: { resolve, reject } });
      this.pump();
    });
  }

  /** Keeps each worker busy with at most two tasks, so work spreads evenly. */
  private pump(): void {
    while (this.queue.length) {
      let w = 0;
      for (let k = 1; k < this.workers.length; k++) if (this.inFlight[k] < this.inFlight[w]) w = k;
      if (this.inFlight[w] >= 2) return;
      const t = this.queue.shift()!;
      this.pending.set(t.id, t.pending);
      this.inFlight[w]++;
      if (this.inFlight.reduce((a, b) => a + b, 0) === 1) this.workers.forEach((x) => x.ref()); // keep the process alive while work is pending
      this.workers[w].postMessage({ id: t.id, index: t.index, epoch: t.epoch, size: t.size });
    }
  }

  private onMessage(w: number, m: { id: number; ok: boolean; result?: PreparedSample; error?: string }): void {
    this.inFlight[w]--;
    if (this.inFlight.every((n) => n === 0)) this.workers.forEach((x) => x.unref());
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (p) (m.ok ? p.resolve(m.result!) : p.reject(new Error(m.error)));
    this.pump();
  }

  private failAll(e: Error): void {
    this.broken ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    for (const t of this.queue) t.pending.reject(e);
    this.queue = [];
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = []; // first, so their exit events are not taken for crashes
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
