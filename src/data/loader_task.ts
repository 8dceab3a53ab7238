// One loader task — load, augment, convert to CHW float — shared by worker
// threads and the in-process path, so both give identical results.

import { Rng, mixSeed } from './rng.js';
import { loadSample, type LoadOptions } from './load_sample.js';
import { prepareSample, type AugmentConfig, type SampleSource } from './augment.js';
import { toCHWFloat } from './image.js';
import type { Sample } from './types.js';
import type { Labeled } from './transforms/types.js';
import type { PreparedSample } from './collate.js';

export interface PrepareConfig {
  seed: number;
  augment: AugmentConfig;
  load: LoadOptions;
  /** Keep decoded images in RAM (per thread). */
  cache: boolean;
}

export interface Task {
  id: number;
  index: number;
  epoch: number;
  size: number;
}

export class Preparer {
  private readonly cache = new Map<number, Labeled>();
  private readonly source: SampleSource;
  constructor(readonly samples: Sample[], readonly config: PrepareConfig) {
    this.source = {
      count: samples.length,
      load: async (i) => {
        const hit = this.cache.get(i);
        if (hit) return hit;
        const s = await loadSample(samples[i], config.load);
        if (config.cache) this.cache.set(i, s);
        return s;
      },
    };
  }

  async run(task: Task): Promise<PreparedSample> {
    const rng = new Rng(mixSeed(this.config.seed, task.epoch, task.index));
    const s = await prepareSample(this.source, task.index, task.size, this.config.augment, rng);
    return { index: task.index, imageId: this.samples[task.index].imageId, size: task.size, image: toCHWFloat(s.img), labels: s.labels.slice() }; // own buffers: they are transferred
  }
}
