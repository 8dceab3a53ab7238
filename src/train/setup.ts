// What a run starts from: its options (given, or the resumed checkpoint's),
// the run folder, the model (from scratch, weights or a backbone), data and
// optimizer; on resume the model and optimizer restored and the position
// (epoch, iteration, steps, batches of the epoch already trained) read.
// Hooks add the rest in beforeTrain (schedule, EMA, writers).
import { dirname, join } from 'node:path';
import * as torch from '../torch/index.js';
import { Darknet, loadWeights, readCfg, type WeightsOptions } from '../darknet/index.js';
import { problemLines, type MultiScaleOptions } from '../data/index.js';
import { fitHeadsToData, loadFittingWeights } from './adapt_classes.js';
import { anchorWarning } from '../data/anchors.js';
import { BatchNorm2d } from '../nn/index.js';
import { writeFileAtomic } from '../util/atomic_write.js';
import { Cleanups, TrainContext, type StartPosition } from './context.js';
import { readTrainingState, restoreTrainingState, type LoadedTrainingState } from './training_state.js';
import { DEFAULT_TRAIN, lossOptionsOf, type TrainOptions } from './options.js';
import { makeOptimizer } from './optimizer.js';
import { openRunData } from './data.js';
import { resolveMultiScale } from './multi_scale.js';
import { freezeLayers, resolveFreeze } from './freeze.js';
import { resolveDevice } from '../torch/resolve_device.js';
import { rankDevice } from './ddp/backend.js';
import { lockRunDir, newRunDir, runPaths } from './run_dir.js';
import type { LossParts } from './tensorboard/index.js';
import type { ProcessGroup } from '../torch/distributed.js';

/** New options (`cfg` and `data` required, the rest defaulted), or a last/best checkpoint to continue. */
export type TrainInput = (Partial<TrainOptions> & Pick<TrainOptions, 'cfg' | 'data'>) | { resume: string; epochs?: number; device?: string };

/** Fills defaults; `cfg` and `data` are required. */
export function resolveTrainOptions(o: Partial<TrainOptions> & Pick<TrainOptions, 'cfg' | 'data'>): TrainOptions {
  const r = { ...DEFAULT_TRAIN, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as TrainOptions;
  if (r.imgSize % 32 !== 0) throw new Error(`imgSize ${r.imgSize} is not a multiple of 32`);
  if (!(r.batchSize >= 1)) throw new Error(`batchSize must be >= 1, got ${r.batchSize}`);
  lossOptionsOf(r); // a combination the loss refuses fails here, before a run folder exists
  return r;
}

/**
 * BatchNorm running-statistics momentum for training. The darknet blocks use
 * darknet's 0.01, whose running averages lag far behind the weights in a run
 * of a few hundred steps, so eval-mode results (mAP) are poor until long
 * after the training loss is low; 0.1 is PyTorch's default, as the series used.
 */
function setBnMomentum(model: Darknet, momentum: number): void {
  for (const [, m] of model.namedModules()) if (m instanceof BatchNorm2d) (m as { momentum: number }).momentum = momentum;
}

/** The options to run with and their device, checked before anything is written. */
function readInput(input: TrainInput): { o: TrainOptions; device: torch.Device; ck?: LoadedTrainingState } {
  if (!('resume' in input)) {
    const o = resolveTrainOptions(input);
    return { o, device: resolveDevice(o.device) }; // before the run folder: a bad device leaves nothing behind
  }
  const ck = readTrainingState(input.resume);
  try {
    const saved = ck.info.options as TrainOptions | undefined;
    if (!saved || typeof saved.cfg !== 'string') throw new Error(`${input.resume}: checkpoint holds no training options to resume with`);
    // the device may change on resume (another machine); everything else is the run's own
    const o = { ...saved, ...(input.epochs ? { epochs: input.epochs } : {}), ...(input.device ? { device: input.device } : {}) };
    return { o, device: resolveDevice(o.device), ck };
  } catch (e) {
    ck.dispose();
    throw e;
  }
}

/**
 * What the cfg says about training, resolved into `o` so options.json
 * records it: multi-scale (random=1) and frozen layers (stopbackward=1),
 * each unless the option is given. Returns the loader's multi-scale.
 */
function cfgTrainingSettings(o: TrainOptions, resumed: boolean, say: (line: string) => void): MultiScaleOptions | undefined {
  if (resumed) {
    o.multiScale ??= false; // runs saved before these options trained with neither
    o.freeze ??= 0;
  }
  const cfg = readCfg(o.cfg);
  const ms = resolveMultiScale(o, cfg, say);
  o.multiScale = ms.option;
  o.freeze = resolveFreeze(o, cfg, say);
  return ms.loader;
}

/** Where the resumed checkpoint left off; checks that its mid-epoch position fits this data. */
function resumePosition(ck: LoadedTrainingState, itersPerEpoch: number): StartPosition {
  const { info } = ck;
  const resumeBatch = Number(info.extra.resumeBatch ?? 0);
  if (!Number.isInteger(resumeBatch) || resumeBatch < 0 || resumeBatch > itersPerEpoch) {
    throw new Error(`${ck.path}: resumeBatch ${info.extra.resumeBatch} does not fit an epoch of ${itersPerEpoch} batches (was the data or batch size changed?)`);
  }
  return {
    epoch: info.epoch + 1,
    iteration: info.iteration,
    steps: Number(info.extra.steps ?? info.iteration),
    resumeBatch,
    epochParts: (info.extra.epochParts as LossParts[] | undefined) ?? [],
  };
}

/** The run folder: the resumed one, or a new one that rank 0 makes and every other rank of `group` is told. */
function runFolder(input: TrainInput, o: TrainOptions, group?: ProcessGroup) {
  if ('resume' in input) return runPaths(dirname(dirname(input.resume)));
  if (!group) return newRunDir(o.project, o.name);
  const made = group.rank === 0 ? newRunDir(o.project, o.name).dir : null;
  return runPaths(group.allgatherObject(made)[0]!);
}

/**
 * Builds the run; on an error, frees what it made and rethrows. With a
 * process group (data-parallel training) every rank trains its shard of the
 * data in rank 0's run folder, and only rank 0 writes and logs.
 */
export async function openTraining(input: TrainInput, log?: (line: string) => void, group?: ProcessGroup): Promise<TrainContext> {
  const startTime = Date.now();
  const read = readInput(input);
  const { o, ck } = read;
  // a rank of a run on a plain 'cuda' trains on its own GPU, cuda:LOCAL_RANK (ddp/backend.ts)
  const device = group ? resolveDevice(rankDevice(read.device, group.deviceIndex)) : read.device;
  const paths = runFolder(input, o, group);
  const writer = !group || group.rank === 0;
  const say = log ?? (o.verbose === false || !writer ? () => {} : (s: string) => console.log(s));
  const cleanups = new Cleanups();
  try {
    // before anything is written into the folder; the writer's alone (the other ranks share rank 0's folder)
    const lock = writer ? lockRunDir(paths.dir) : null;
    if (lock) cleanups.add(() => lock.release()); // the last cleanup to run
    const data = await openRunData(o, cfgTrainingSettings(o, !!ck, say), group && { rank: group.rank, worldSize: group.worldSize });
    cleanups.add(() => data.trainLoader.close());
    cleanups.add(() => data.valLoader.close());
    if (!ck && data.train.problems.length) problemLines(data.train.problems).forEach((l, i) => say(i === 0 ? `${data.train.origin}: ${l}` : l)); // as data check: what was skipped and why
    // a cfg for other classes: heads rebuilt, its adapted copy in the run folder is the run's cfg from here on
    const fit = ck ? null : fitHeadsToData(o.cfg, data.train.names, o.data, paths.dir, say);
    if (fit) o.cfg = fit.cfg;
    torch.manualSeed(o.seed);
    const model = Darknet.fromFile(o.cfg);
    cleanups.add(() => model.dispose());
    const load = (path: string, w: WeightsOptions = {}) => (fit ? loadFittingWeights(model, fit.original, path, w, say) : loadWeights(model, path, w));
    if (!ck && o.weights) load(o.weights);
    if (!ck && o.backbone) load(o.backbone, { cutoff: o.cutoff ?? 74 });
    setBnMomentum(model, o.bnMomentum ?? 0.1);
    model.to(device).train();
    const classes = model.heads[0].classes;
    if (data.train.names.length > classes) throw new Error(`${o.data} has ${data.train.names.length} classes but ${o.cfg} has ${classes}`);
    const anchorNote = ck ? null : anchorWarning(data.train, model.heads.flatMap((h) => h.anchors), o.imgSize, o.data);
    if (anchorNote) say(anchorNote);
    const accumulate = Math.max(1, Math.round((o.nominalBatchSize ?? o.batchSize) / o.batchSize));
    const itersPerEpoch = data.trainLoader.length;
    freezeLayers(model, o.freeze ?? 0, say); // after .to(device), which makes new tensors; before the optimizer, which leaves them out
    // the LR schedule hook sets the rate before every step
    const optimizer = makeOptimizer(model, { kind: o.optimizer, lr: o.lr0, weightDecay: o.weightDecay, weightDecayOn: o.weightDecayOn, momentum: o.momentum, nesterov: o.nesterov });
    cleanups.add(() => optimizer.disposeState());
    const start = ck ? resumePosition(ck, itersPerEpoch) : { epoch: 0, iteration: 0, steps: 0, resumeBatch: 0, epochParts: [] };
    if (ck) restoreTrainingState(ck, { model, optimizer, rng: false }); // the EMA by its hook, the RNG once hooks are set up
    const run = { options: o, paths, device, model, optimizer, data, classNames: data.train.names, accumulate, itersPerEpoch, startTime, log: say };
    const ctx = new TrainContext(run, start, cleanups, ck);
    if (ck) {
      const within = start.resumeBatch > 0 ? `, batch ${start.resumeBatch + 1}/${itersPerEpoch}` : '';
      say(`resuming ${paths.dir} at epoch ${start.epoch + 1}/${o.epochs}${within} (iteration ${start.iteration})`);
    } else if (writer) {
      writeFileAtomic(join(paths.dir, 'options.json'), Buffer.from(JSON.stringify(o, null, 2) + '\n'));
    }
    const ranks = group ? ` on each of ${group.worldSize} ranks` : '';
    say(`training ${o.cfg} on ${data.train.origin} (${Math.min(data.train.samples.length, o.maxSamples || Infinity)} images, ${itersPerEpoch} batches of ${o.batchSize}${ranks}${accumulate > 1 ? `, accumulating ${accumulate}` : ''}), evaluating on ${data.valOrigin}; run folder ${paths.dir}`);
    return ctx;
  } catch (e) {
    ck?.dispose();
    await cleanups.run();
    throw e;
  }
}
