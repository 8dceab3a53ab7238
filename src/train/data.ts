// The run's datasets and loaders: training set, and the evaluation set (the
// validation split, a given spec, or the training set itself).
import { DataLoader, NO_AUGMENT, FULL_AUGMENT, openDataset, firstProblem, type Dataset, type MultiScaleOptions, type Shard } from '../data/index.js';
import type { TrainOptions } from './options.js';

export interface RunData {
  train: Dataset;
  val: Dataset;
  /** Where evaluation data came from, for the log. */
  valOrigin: string;
  trainLoader: DataLoader;
  valLoader: DataLoader;
}

async function openVal(o: TrainOptions, train: Dataset): Promise<{ ds: Dataset; origin: string }> {
  if (o.evalOnTrain) return { ds: train, origin: 'training set' };
  const size = o.shapesSize ?? o.imgSize;
  if (o.valData) {
    const ds = await openDataset(o.valData, { split: 'val', size, seed: o.seed });
    return { ds, origin: ds.origin };
  }
  try {
    const ds = await openDataset(o.data, { split: 'val', size, seed: o.seed });
    if (ds.samples.length > 0 && ds.origin !== train.origin) return { ds, origin: ds.origin };
  } catch {
    /* no validation split: evaluate on the training set, as the series does */
  }
  return { ds: train, origin: 'training set (no validation split)' };
}

/**
 * The run's data; `multiScale` sizes the training batches (multi_scale.ts),
 * evaluation stays at imgSize. `shard`: this rank's share of the training set
 * in data-parallel training (evaluation, on rank 0, reads all of its set).
 */
export async function openRunData(o: TrainOptions, multiScale?: MultiScaleOptions, shard?: Shard): Promise<RunData> {
  const size = o.shapesSize ?? o.imgSize;
  const train = await openDataset(o.data, { split: 'train', size, seed: o.seed });
  if (train.samples.length === 0) throw new Error(`${o.data}: no training images${firstProblem(train)}`);
  const { ds: val, origin } = await openVal(o, train);
  const trainLoader = new DataLoader(train, {
    batchSize: o.batchSize, imgSize: o.imgSize, shuffle: o.shuffle ?? true, seed: o.seed, augment: o.augment ? FULL_AUGMENT : NO_AUGMENT,
    workers: o.workers, maxSamples: o.maxSamples, multiScale, shard,
  });
  const valMax = val === train ? o.maxSamples : o.maxValSamples;
  const valLoader = new DataLoader(val, { batchSize: o.batchSize, imgSize: o.imgSize, shuffle: false, seed: o.seed, augment: NO_AUGMENT, workers: o.workers, maxSamples: valMax });
  return { train, val, valOrigin: origin, trainLoader, valLoader };
}
