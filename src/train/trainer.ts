// The training loop: epochs of forward (training mode) → yoloLoss → backward
// → optimizer step → zero-grad, with the LR from lrAt() per optimizer step,
// optional gradient accumulation, clipping and EMA; per-iteration and
// per-epoch TensorBoard scalars, results.csv, curves PNG; evaluation every
// evalInterval epochs; `last` every epoch and `best` by mAP@0.5, atomically.
//
// Counters: `iteration` counts batches trained (one per loop turn, across
// epochs; not the series' quadratic `total_iters += ii`); `steps` counts
// optimizer steps and is the LR schedule's position. Without accumulation
// they are equal. Epochs are 0-based; a checkpoint's epoch is the last one
// completed and a resume starts at the next. Each epoch ends with an
// optimizer step when gradients are pending, so an epoch boundary is a
// clean state and a resumed run repeats an uninterrupted one exactly
// (the loader's order and augmentation depend only on seed and epoch).
//
// Ctrl-C (see interrupt.ts) stops after the current optimizer step (with
// accumulation, after the batches that complete it) and saves `last` with
// extra.resumeBatch = the batches of the next epoch already trained and
// extra.epochParts = their losses; a resume skips those batches without
// preparing them and continues exactly where the interrupted run stopped.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as torch from '../torch/index.js';
import { Darknet, loadWeights, saveWeights } from '../darknet/index.js';
import { BatchNorm2d } from '../nn/index.js';
import { yoloLoss, yoloScales, type YoloScale } from '../yolo/index.js';
import { Progress, formatSeconds } from '../util/progress.js';
import { checkpointPath, readCheckpoint, restoreCheckpoint, saveCheckpoint, type LoadedCheckpoint } from './checkpoint.js';
import { ModelEMA } from './ema.js';
import { assertFiniteLoss } from './finite_guard.js';
import { lrAt, setLearningRate, type LrScheduleSpec } from './lr_schedule.js';
import { ResultsCsv, readResultsCsv } from './results_csv.js';
import { saveCurvesPng } from './curves.js';
import { EventWriter, logEpoch, logIteration, type LossParts } from './tensorboard/index.js';
import { DEFAULT_TRAIN, lossOptionsOf, scheduleFor, type TrainOptions } from './options.js';
import { makeOptimizer, clipGradNorm } from './optimizer.js';
import { openRunData } from './data.js';
import { resolveDevice } from './device.js';
import { TrainingInterrupt, yieldToEventLoop } from './interrupt.js';
import { evaluateDetector, type EvalResult } from './evaluate.js';
import { newRunDir, runPaths, type RunPaths } from './run_dir.js';
import { saveDetectionPngs } from './draw.js';

export interface IterationInfo {
  epoch: number;
  iteration: number;
  losses: LossParts;
  lr: number;
  /** torch.memory().tensors after the step. */
  tensors: number;
}

export interface TrainHooks {
  onIteration?(info: IterationInfo): void;
  /** Stops (saving `last`) after this many epochs of this call (tests). */
  stopAfterEpochs?: number;
  /** Interrupts as Ctrl-C does after this many iterations of this call (tests). */
  interruptAfterIterations?: number;
  /** Log lines (default console.log; verbose false silences). */
  log?(line: string): void;
}

export interface TrainResult {
  paths: RunPaths;
  /** Epochs completed in total (including a resumed run's earlier ones). */
  epochs: number;
  iteration: number;
  /** Per-iteration total loss of this call. */
  losses: number[];
  evals: { epoch: number; map50: number; map: number }[];
  bestMap50: number;
  lastEval?: EvalResult;
  seconds: number;
  interrupted: boolean;
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

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Fills defaults; `cfg` and `data` are required. */
export function resolveTrainOptions(o: Partial<TrainOptions> & Pick<TrainOptions, 'cfg' | 'data'>): TrainOptions {
  const r = { ...DEFAULT_TRAIN, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as TrainOptions;
  if (r.imgSize % 32 !== 0) throw new Error(`imgSize ${r.imgSize} is not a multiple of 32`);
  if (!(r.batchSize >= 1)) throw new Error(`batchSize must be >= 1, got ${r.batchSize}`);
  lossOptionsOf(r); // a loss option combination the loss refuses fails here, before the run folder
  return r;
}

/** Trains from scratch (or weights), or continues `resume` (a last/best checkpoint path). */
export async function train(input: (Partial<TrainOptions> & Pick<TrainOptions, 'cfg' | 'data'>) | { resume: string; epochs?: number; device?: string }, hooks: TrainHooks = {}): Promise<TrainResult> {
  const t0 = Date.now();
  let ck: LoadedCheckpoint | undefined;
  let o: TrainOptions;
  let device: torch.Device;
  if ('resume' in input) {
    ck = readCheckpoint(input.resume);
    try {
      const saved = ck.info.options as TrainOptions | undefined;
      if (!saved || typeof saved.cfg !== 'string') throw new Error(`${input.resume}: checkpoint holds no training options to resume with`);
      // the device may change on resume (another machine); everything else is the run's own
      o = { ...saved, ...(input.epochs ? { epochs: input.epochs } : {}), ...(input.device ? { device: input.device } : {}) };
      device = resolveDevice(o.device);
    } catch (e) {
      ck.dispose();
      throw e;
    }
  } else {
    o = resolveTrainOptions(input);
    device = resolveDevice(o.device); // before the run folder: a bad device leaves nothing behind
  }
  const paths: RunPaths = 'resume' in input ? runPaths(dirname(dirname(input.resume))) : newRunDir(o.project, o.name);
  const log = hooks.log ?? (o.verbose === false ? () => {} : (s: string) => console.log(s));
  const cleanups: (() => void | Promise<void>)[] = [];
  const interrupt = new TrainingInterrupt(log);
  try {
    if (ck) cleanups.push(() => ck!.dispose());
    torch.manualSeed(o.seed);
    const model = Darknet.fromFile(o.cfg);
    cleanups.push(() => model.dispose());
    if (!ck && o.weights) loadWeights(model, o.weights);
    if (!ck && o.backbone) loadWeights(model, o.backbone, { cutoff: o.cutoff ?? 74 });
    setBnMomentum(model, o.bnMomentum ?? 0.1);
    model.to(device).train();
    const data = await openRunData(o);
    cleanups.push(() => data.trainLoader.close(), () => data.valLoader.close());
    const classes = model.heads[0].classes;
    if (data.train.names.length > classes) throw new Error(`${o.data} has ${data.train.names.length} classes but ${o.cfg} has ${classes}`);
    const names = data.train.names;
    const accumulate = Math.max(1, Math.round((o.nominalBatchSize ?? o.batchSize) / o.batchSize));
    const itersPerEpoch = data.trainLoader.length;
    const stepsPerEpoch = Math.ceil(itersPerEpoch / accumulate);
    const schedule: LrScheduleSpec = ck?.info.schedule ?? scheduleFor(o, stepsPerEpoch);
    const optimizer = makeOptimizer(model, { kind: o.optimizer, lr: lrAt(schedule, 0), weightDecay: o.weightDecay, momentum: o.momentum, nesterov: o.nesterov });
    cleanups.push(() => optimizer.disposeState());
    const ema = o.ema > 0 ? new ModelEMA(model, { decay: o.ema }) : undefined;
    if (ema) cleanups.push(() => ema.dispose());
    const evalModel = ema ? new Darknet(model.cfg).to(device) : model;
    if (ema) cleanups.push(() => evalModel.dispose());
    let startEpoch = 0, iteration = 0, steps = 0, bestMap50 = -1;
    let resumeBatch = 0; // batches of startEpoch trained before an interruption
    let carriedParts: LossParts[] = [];
    if (ck) {
      restoreCheckpoint(ck, { model, optimizer, ema });
      startEpoch = ck.info.epoch + 1;
      iteration = ck.info.iteration;
      steps = Number(ck.info.extra.steps ?? iteration);
      bestMap50 = Number(ck.info.extra.bestMap50 ?? -1);
      resumeBatch = Number(ck.info.extra.resumeBatch ?? 0);
      carriedParts = (ck.info.extra.epochParts as LossParts[] | undefined) ?? [];
      if (!Number.isInteger(resumeBatch) || resumeBatch < 0 || resumeBatch > itersPerEpoch) {
        throw new Error(`${ck.path}: resumeBatch ${ck.info.extra.resumeBatch} does not fit an epoch of ${itersPerEpoch} batches (was the data or batch size changed?)`);
      }
      ck.dispose();
      cleanups.shift();
      ck = undefined;
      const within = resumeBatch > 0 ? `, batch ${resumeBatch + 1}/${itersPerEpoch}` : '';
      log(`resuming ${paths.dir} at epoch ${startEpoch + 1}/${o.epochs}${within} (iteration ${iteration})`);
    } else {
      writeFileSync(join(paths.dir, 'options.json'), JSON.stringify(o, null, 2) + '\n');
    }
    const lossOptions = lossOptionsOf(o);
    const scalesBySize = new Map<number, YoloScale[]>();
    const scalesFor = (s: number) => {
      if (!scalesBySize.has(s)) scalesBySize.set(s, yoloScales(model.heads, model.strides(s, s)));
      return scalesBySize.get(s)!;
    };
    const writer = new EventWriter(paths.dir);
    cleanups.push(() => writer.close());
    const csv = new ResultsCsv(paths.results, undefined, { resumeAfterEpoch: startEpoch - 1 });
    const params = model.parameters();
    const state = (epoch: number, extra: Record<string, unknown> = {}) => ({
      model, optimizer, ema, epoch, iteration, schedule, options: o, classNames: names, extra: { steps, bestMap50, ...extra },
    });
    log(`training ${o.cfg} on ${data.train.origin} (${Math.min(data.train.samples.length, o.maxSamples || Infinity)} images, ${itersPerEpoch} batches of ${o.batchSize}${accumulate > 1 ? `, accumulating ${accumulate}` : ''}), evaluating on ${data.valOrigin}; run folder ${paths.dir}`);
    interrupt.listen();
    const losses: number[] = [];
    const evals: TrainResult['evals'] = [];
    let lastEval: EvalResult | undefined;
    let epochsThisCall = 0;
    let interrupted = false;
    let lr = lrAt(schedule, Math.max(0, steps - 1)); // the rate of the last step taken, as an uninterrupted run holds it
    for (let epoch = startEpoch; epoch < o.epochs; epoch++) {
      const te = Date.now();
      const skip = epoch === startEpoch ? resumeBatch : 0;
      const sums: LossParts[] = epoch === startEpoch ? [...carriedParts] : [];
      const progress = new Progress(`epoch ${epoch + 1}/${o.epochs}`, itersPerEpoch, 'it', itersPerEpoch + 1);
      let images = 0, pending = 0, done = skip;
      const step = () => {
        lr = lrAt(schedule, steps);
        setLearningRate(optimizer, lr);
        if (o.clipGradNorm > 0) clipGradNorm(params, o.clipGradNorm);
        torch.tidy(() => optimizer.step());
        optimizer.zeroGrad();
        if (ema) ema.update(model);
        steps++;
        pending = 0;
      };
      for await (const batch of data.trainLoader.epoch(epoch, { fromBatch: skip })) {
        let parts: LossParts;
        try {
          parts = torch.tidy(() => {
            const heads = model.forwardHeads(device === 'cpu' ? batch.images : batch.images.to(device));
            const r = yoloLoss(heads, batch.labels, scalesFor(batch.size), lossOptions);
            const p = { bbox: r.box.item(), obj: r.obj.item(), cls: r.cls.item(), loss: r.total.item() };
            assertFiniteLoss({ box: p.bbox, obj: p.obj, cls: p.cls, total: p.loss }, batch.imageIds, { epoch, iteration });
            (accumulate > 1 ? r.total.div(accumulate) : r.total).backward();
            return p;
          });
          images += batch.imageIds.length;
        } finally {
          batch.dispose();
        }
        pending++;
        done++;
        if (pending === accumulate || done === itersPerEpoch) step();
        logIteration(writer, iteration, parts, lr);
        sums.push(parts);
        losses.push(parts.loss);
        iteration++;
        hooks.onIteration?.({ epoch, iteration, losses: parts, lr, tensors: torch.memory().tensors });
        const rate = images / Math.max(1e-3, (Date.now() - te) / 1000);
        if (o.verbose !== false && !hooks.log) progress.update(done, `loss ${parts.loss.toFixed(3)} (box ${parts.bbox.toFixed(3)} obj ${parts.obj.toFixed(3)} cls ${parts.cls.toFixed(3)}) lr ${lr.toExponential(2)} ${rate.toFixed(1)} img/s`);
        if (hooks.interruptAfterIterations !== undefined && losses.length >= hooks.interruptAfterIterations && !interrupt.requested) interrupt.request();
        await yieldToEventLoop(); // lets a SIGINT in
        if (interrupt.requested && pending === 0) break; // with accumulation, only once the step is taken
      }
      if (interrupt.requested) {
        // also when every batch is done: the resume then runs this epoch's end (evaluation, results row, checkpoints)
        interrupted = true;
        saveCheckpoint(checkpointPath(paths.weights, 'last'), state(epoch - 1, { resumeBatch: done, epochParts: sums, interrupted: true }));
        log(`saved ${checkpointPath(paths.weights, 'last')}: epoch ${epoch + 1} interrupted after batch ${done}/${itersPerEpoch} (iteration ${iteration}); --resume continues from there`);
        break;
      }
      const epochLoss: LossParts = { bbox: mean(sums.map((s) => s.bbox)), obj: mean(sums.map((s) => s.obj)), cls: mean(sums.map((s) => s.cls)), loss: mean(sums.map((s) => s.loss)) };
      const isLast = epoch === o.epochs - 1 || (hooks.stopAfterEpochs !== undefined && epochsThisCall + 1 >= hooks.stopAfterEpochs);
      let ev: EvalResult | undefined;
      if ((epoch + 1) % Math.max(1, o.evalInterval) === 0 || epoch === o.epochs - 1) {
        if (ema) ema.copyTo(evalModel);
        ev = await evaluateDetector(evalModel, data.valLoader, { conf: o.evalConf, iou: o.evalIou, keepImages: epoch === o.epochs - 1 ? o.saveImages : 0 });
        lastEval = ev;
        evals.push({ epoch, map50: ev.map50, map: ev.map });
      }
      logEpoch(writer, epoch, epochLoss, lr, ev?.map50);
      writer.flush();
      csv.append({ epoch, iteration, train_bbox: epochLoss.bbox, train_obj: epochLoss.obj, train_cls: epochLoss.cls, train_loss: epochLoss.loss, lr, map50: ev?.map50, map: ev?.map, time_s: (Date.now() - t0) / 1000 });
      const improved = ev !== undefined && ev.map50 > bestMap50;
      if (improved) bestMap50 = ev!.map50;
      saveCheckpoint(checkpointPath(paths.weights, 'last'), state(epoch));
      if (improved) saveCheckpoint(checkpointPath(paths.weights, 'best'), state(epoch, { map50: ev!.map50, map: ev!.map }));
      log(`epoch ${epoch + 1}/${o.epochs}: loss ${epochLoss.loss.toFixed(4)} (box ${epochLoss.bbox.toFixed(4)} obj ${epochLoss.obj.toFixed(4)} cls ${epochLoss.cls.toFixed(4)}) lr ${lr.toExponential(2)}` +
        (ev ? ` mAP@0.5 ${ev.map50.toFixed(4)} mAP@0.5:0.95 ${ev.map.toFixed(4)}` : '') + ` [${formatSeconds((Date.now() - te) / 1000)}, total ${formatSeconds((Date.now() - t0) / 1000)}]`);
      epochsThisCall++;
      if (interrupt.requested && !isLast) { // arrived during the evaluation: this epoch's `last` is the clean state
        interrupted = true;
        log(`saved ${checkpointPath(paths.weights, 'last')}: interrupted after epoch ${epoch + 1}; --resume continues with epoch ${epoch + 2}`);
        break;
      }
      if (isLast) {
        if (ev && ev.kept.length) await saveDetectionPngs(ev.kept, names, paths.detections);
        break;
      }
    }
    try {
      const rows = readResultsCsv(paths.results).rows;
      if (rows.length) await saveCurvesPng(rows, paths.curves);
    } catch (e) {
      log(`warning: curves not drawn: ${(e as Error).message}`);
    }
    if (ema) ema.copyTo(evalModel);
    saveWeights(evalModel, join(paths.weights, 'last.weights'));
    const epochsDone = startEpoch + epochsThisCall;
    return { paths, epochs: epochsDone, iteration, losses, evals, bestMap50, lastEval, seconds: (Date.now() - t0) / 1000, interrupted };
  } finally {
    interrupt.close();
    for (const c of cleanups.reverse()) await c();
  }
}
