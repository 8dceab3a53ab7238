// What a training run takes: one plain-JSON options object (saved in every
// checkpoint), its defaults, and the series' experiment as a preset.
import { DEFAULT_LOSS, resolveLossOptions, type BboxLoss, type ObjTarget, type AssignRule, type LossForm, type LossOptions } from '../yolo/index.js';
import type { LrScheduleKind, LrScheduleSpec } from './lr_schedule.js';

export interface TrainOptions {
  /** darknet .cfg path. */
  cfg: string;
  /** Dataset spec for openDataset (.yaml, .data, COCO .json, VOC folder, `shapes:N`). */
  data: string;
  /** Validation dataset spec; default: the data spec's 'val' split, or the training set when there is none. */
  valData?: string;
  /** Evaluate on the training set even when a validation split exists (the series). */
  evalOnTrain?: boolean;
  /** Start from darknet .weights (all layers). */
  weights?: string;
  /** Start from darknet .weights up to layer `cutoff` (a backbone such as darknet53.conv.74). */
  backbone?: string;
  cutoff?: number;
  epochs: number;
  batchSize: number;
  /** Gradients are accumulated over ceil(nominalBatchSize / batchSize) batches; default: batchSize (no accumulation). */
  nominalBatchSize?: number;
  imgSize: number;
  optimizer: 'adam' | 'sgd';
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** Which parameters weightDecay applies to: 'conv-weights' (not BN, not biases) or 'all' (the series). */
  weightDecayOn?: 'conv-weights' | 'all';
  /** LR schedule (lr_schedule.ts LR_SCHEDULES, mapped by scheduleFor); its iteration is the optimizer step. */
  lr0: number;
  peakLr: number;
  warmupIters: number;
  schedule?: LrScheduleKind;
  /** The power p of the 'series' schedule's decay (W/t)^p (default 1, the series'). */
  lrPower?: number;
  /**
   * The position the 'series' schedule reads: 'steps' (optimizer steps,
   * default) or 'series' (the series' `total_iters += ii` counter, whose LR
   * peaks near epoch 14 of its 150; series_lr.ts).
   */
  lrCounter?: 'steps' | 'series';
  /** Gradient clipping by global L2 norm (0 = off). */
  clipGradNorm: number;
  /** BatchNorm momentum while training (PyTorch's by default; darknet's own is 0.01). */
  bnMomentum?: number;
  /** EMA of the weights (evaluated and saved beside the model); 0 = off, else the decay. */
  ema: number;
  /** How the loss's parts are aggregated (src/yolo loss_form.ts LOSS_FORMS); absent in older checkpoints: 'mean'. */
  lossForm?: LossForm;
  /** lossForm 'series': the series' clamp of predicted w, h (yolo/options.ts whClamp); absent: on with 'series'. */
  whClamp?: boolean;
  bboxLoss: BboxLoss;
  objTarget: ObjTarget;
  assign: AssignRule;
  ignoreThresh?: number | null;
  augment: boolean;
  /** Shuffle the training images every epoch (the series does not: shuffle=False). */
  shuffle?: boolean;
  maxSamples: number;
  maxValSamples: number;
  evalInterval: number;
  /** NMS confidence threshold and IoU for evaluation. */
  evalConf: number;
  evalIou: number;
  workers: number;
  seed: number;
  /** Run folder = project/name. */
  project: string;
  name: string;
  /** Drawn detections of this many validation images saved at the end. */
  saveImages: number;
  /** Shapes datasets: generated image size (default imgSize). */
  shapesSize?: number;
  /** 'cpu' (default), 'cuda' or 'cuda:N'; checked by resolveDevice before the run starts. */
  device?: string;
  /** Write diagnostics.csv: the series' in-training mAP and the assignment's behaviour per epoch (hooks/diagnostics.ts). */
  diagnostics?: boolean;
  /** Save `last` inside an epoch every this many iterations too (0: at epochs' ends only), so a kill loses at most that many; absent in older checkpoints: 0. */
  savePeriodIters?: number;
  /** Print a progress line per epoch (default true). */
  verbose?: boolean;
  /**
   * Multi-scale training (multi_scale.ts): true for ultralytics' range
   * (0.5x..1.5x imgSize), [min, max] in pixels, false for off; absent: on
   * when the cfg's [yolo] sections say random=1 (darknet). A run saves what
   * it resolved to.
   */
  multiScale?: boolean | [number, number];
  /**
   * Data-parallel training: BatchNorm statistics in training over every
   * rank's samples, as torch.nn.SyncBatchNorm (ddp/hook.ts); a world of one
   * rank computes them as plain BatchNorm does, as PyTorch's. Absent: each rank its own batch's.
   */
  syncBn?: boolean;
  /** Layers 0..freeze-1 frozen (freeze.ts); absent: up to the cfg's last stopbackward=1 layer (darknet), else none. */
  freeze?: number;
}

/**
 * Every option's default, the only place one is set: train() fills what is
 * not given from here, `yolov3 train --help` shows them and the training
 * benchmark uses them. The loss's come from the loss's own DEFAULT_LOSS.
 */
export const DEFAULT_TRAIN = {
  epochs: 100,
  batchSize: 16,
  imgSize: 416,
  optimizer: 'adam',
  momentum: 0.9,
  nesterov: false,
  weightDecay: 5e-4,
  weightDecayOn: 'conv-weights',
  lr0: 1e-4,
  peakLr: 1e-3,
  warmupIters: 500,
  schedule: 'warmup-cosine',
  lrPower: 1,
  lrCounter: 'steps',
  clipGradNorm: 0,
  bnMomentum: 0.1,
  ema: 0,
  lossForm: DEFAULT_LOSS.lossForm,
  bboxLoss: DEFAULT_LOSS.bboxLoss,
  objTarget: DEFAULT_LOSS.objTarget,
  assign: DEFAULT_LOSS.assign,
  ignoreThresh: DEFAULT_LOSS.ignoreThresh,
  augment: true,
  shuffle: true,
  maxSamples: 0,
  maxValSamples: 0,
  evalInterval: 1,
  evalConf: 0.001,
  evalIou: 0.6,
  workers: 0,
  seed: 0,
  project: 'runs/train',
  name: 'exp',
  saveImages: 0,
  savePeriodIters: 0,
} satisfies Omit<TrainOptions, 'cfg' | 'data'>;

/**
 * The series' experiment as its train.py runs it (docs/experiments/
 * series-protocol.md): Adam on all parameters with weight decay 1e-4, its
 * lr_schedular (lr0 1e-4, peak 8e-4, warm-up 4,000 of its own
 * total_iters += ii counter, so the peak falls near epoch 14 of 150), 150
 * epochs, batch 4 at 416, the first 100 images in file order (no
 * shuffling), no augmentation, 1 − IoU box loss with the IoU objectness
 * target and the ratio assignment, aggregated as its compute_loss does
 * (lossForm 'series'), evaluated on the
 * training images at conf 0.3, NMS IoU 0.5 (map50 is the VOC rule at 0.5).
 */
export const SERIES_PRESET: Partial<TrainOptions> = {
  optimizer: 'adam',
  lr0: 1e-4,
  peakLr: 8e-4,
  warmupIters: 4000,
  schedule: 'series',
  lrPower: 1,
  lrCounter: 'series',
  weightDecay: 1e-4,
  weightDecayOn: 'all',
  epochs: 150,
  batchSize: 4,
  imgSize: 416,
  augment: false,
  shuffle: false,
  maxSamples: 100,
  evalOnTrain: true,
  evalConf: 0.3,
  evalIou: 0.5,
  lossForm: 'series',
  bboxLoss: 'iou',
  objTarget: 'iou',
  assign: 'ratio',
  multiScale: false, // the series trains at 416 only (the stock cfgs' random=1 would turn it on)
};

/**
 * The loss options of a run (the one mapping from TrainOptions), checked:
 * a combination the loss refuses (e.g. lossForm 'series' with bboxLoss
 * 'ciou') throws here, before a run folder exists.
 */
export function lossOptionsOf(o: TrainOptions): LossOptions {
  const options: LossOptions = { lossForm: o.lossForm, whClamp: o.whClamp, assign: o.assign, bboxLoss: o.bboxLoss, objTarget: o.objTarget, ignoreThresh: o.ignoreThresh ?? null };
  resolveLossOptions(options);
  return options;
}

/** The LR schedule of a run with `itersPerEpoch` optimizer steps per epoch. */
export function scheduleFor(o: TrainOptions, itersPerEpoch: number): LrScheduleSpec {
  const total = Math.max(1, o.epochs * itersPerEpoch);
  switch (o.schedule ?? DEFAULT_TRAIN.schedule) {
    case 'warmup-cosine':
      return { kind: 'warmup-cosine', lr0: o.lr0, peakLr: o.peakLr, warmupIters: Math.min(o.warmupIters, total), totalIters: total };
    case 'series': // not cut to the run's length: the series' warm-up may outlast a short run, as its own would
      return { kind: 'series', lr0: o.lr0, peakLr: o.peakLr, warmupIters: o.warmupIters, power: o.lrPower ?? 1, ...(o.lrCounter === 'series' ? { batchesPerEpoch: itersPerEpoch } : {}) };
    case 'cosine':
      return { kind: 'cosine', lr: o.peakLr, warmupIters: Math.min(o.warmupIters, total), totalIters: total, warmupStartLr: o.lr0, finalLr: o.lr0 };
    case 'constant':
      return { kind: 'constant', lr: o.peakLr };
    case 'darknet':
      return { kind: 'darknet', learningRate: o.peakLr, burnIn: o.warmupIters, policy: 'steps', steps: [Math.round(total * 0.8), Math.round(total * 0.9)], scales: [0.1, 0.1] };
  }
}
