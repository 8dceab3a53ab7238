// `yolov3 train`: trains a darknet cfg on a dataset (see src/train). With
// no --cfg/--data it trains the built-in small model on generated Shapes.
// Ctrl-C saves `last` (resumable mid-epoch) and exits with 130, as shells
// report a SIGINT, so scripts can tell an interrupted run from a finished one.
import * as torch from '../torch/index.js';
import { train, type TrainResult } from '../train/trainer.js';
import { DEFAULT_TRAIN, SERIES_PRESET, type TrainOptions } from '../train/options.js';
import { LR_SCHEDULES } from '../train/lr_schedule.js';
import { shapesPreset } from '../train/presets.js';
import { parseMultiScale } from '../train/multi_scale.js';
import { ASSIGN_RULES, BBOX_LOSSES, LOSS_FORMS, OBJ_TARGETS } from '../yolo/index.js';
import { formatHelp, parseArgs, UsageError, type Specs } from './args.js';
import { exitWithLauncher, launchWorkers } from '../train/ddp/launch.js';
import { checkLaunchDevice, chooseBackend } from '../train/ddp/backend.js';
import { DIST_BACKENDS } from '../torch/distributed.js';

type Shown = string | number | boolean | null | undefined;

/** A default as the help shows it: on/off for switches, off for null, small numbers as 1e-4. */
function shown(v: Shown, zeroIsOff = false): string {
  if (v === null || (zeroIsOff && v === 0)) return 'off';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'number') return v !== 0 && Math.abs(v) < 0.01 ? v.toExponential() : String(v);
  return String(v);
}

/**
 * ' (default …)' of a TrainOptions key, read from DEFAULT_TRAIN so the help
 * shows what train() does (the specs carry no `default`: a given option
 * must stay distinguishable from an absent one, which --preset fills).
 */
function def(key: keyof typeof DEFAULT_TRAIN, o: { note?: string; zeroIsOff?: boolean } = {}): string {
  return ` (default ${shown(DEFAULT_TRAIN[key], o.zeroIsOff)}${o.note ?? ''})`;
}

const SPECS = {
  cfg: { type: 'string', help: 'darknet .cfg' },
  data: { type: 'string', help: 'dataset: .yaml, .data, COCO .json, VOC folder, or shapes:N' },
  'val-data': { type: 'string', help: "evaluation dataset (default: the data's validation split, else the training set)" },
  'eval-on-train': { type: 'boolean', help: 'evaluate on the training set (the series)' },
  weights: { type: 'string', help: 'start from darknet .weights' },
  backbone: { type: 'string', help: 'start from darknet .weights up to --cutoff (e.g. darknet53.conv.74)' },
  cutoff: { type: 'number', integer: true, default: 74, help: 'layers loaded from --backbone' },
  preset: { type: 'string', choices: ['series'], help: "the series' experiment settings (given options override them)" },
  epochs: { type: 'number', integer: true, help: `epochs${def('epochs')}` },
  'batch-size': { type: 'number', integer: true, help: `images per batch${def('batchSize')}` },
  'nominal-batch-size': { type: 'number', integer: true, help: 'accumulate gradients up to this many images per step' },
  'img-size': { type: 'number', integer: true, help: `training size, a multiple of 32${def('imgSize')}` },
  optimizer: { type: 'string', choices: ['adam', 'sgd'] satisfies TrainOptions['optimizer'][], help: `optimizer${def('optimizer')}` },
  momentum: { type: 'number', help: `SGD momentum${def('momentum')}` },
  nesterov: { type: 'boolean', help: 'SGD with Nesterov momentum' },
  lr0: { type: 'number', help: `learning rate at iteration 0 and at the end${def('lr0')}` },
  'peak-lr': { type: 'number', help: `learning rate after warm-up${def('peakLr')}` },
  'warmup-iters': { type: 'number', integer: true, help: `warm-up optimizer steps${def('warmupIters')}` },
  schedule: { type: 'string', choices: LR_SCHEDULES, help: `LR schedule; warmup-cosine: linear warm-up, then cosine to lr0; series: the series' lr_schedular${def('schedule')}` },
  'lr-power': { type: 'number', help: `power p of the series schedule's (W/t)^p decay${def('lrPower')}` },
  'lr-counter': { type: 'string', choices: ['steps', 'series'] satisfies NonNullable<TrainOptions['lrCounter']>[], help: `position the series schedule reads: optimizer steps, or the series' total_iters += ii${def('lrCounter')}` },
  'weight-decay': { type: 'number', help: `L2 weight decay${def('weightDecay')}` },
  'weight-decay-on': { type: 'string', choices: ['conv-weights', 'all'] satisfies NonNullable<TrainOptions['weightDecayOn']>[], help: `parameters decayed: conv weights only (not BN, not biases), or all (the series)${def('weightDecayOn')}` },
  'clip-grad': { type: 'number', help: `clip gradients to this global L2 norm${def('clipGradNorm', { zeroIsOff: true })}` },
  'bn-momentum': { type: 'number', help: `BatchNorm momentum while training${def('bnMomentum', { note: "; darknet's 0.01 lags in short runs" })}` },
  ema: { type: 'number', help: `EMA decay of the weights, e.g. 0.9999${def('ema', { zeroIsOff: true })}` },
  'loss-form': { type: 'string', choices: LOSS_FORMS, help: `loss aggregation: ours, or the series' compute_loss (its compute_loss2 with --assign pred-iou; --bbox-loss mse or iou)${def('lossForm')}` },
  'wh-clamp': { type: 'boolean', help: "with --loss-form series: clamp predicted w, h to the grid as the series does (default); --no-wh-clamp lets the gradient pull an overshooting box back" },
  'bbox-loss': { type: 'string', choices: BBOX_LOSSES, help: `box loss${def('bboxLoss')}` },
  'obj-target': { type: 'string', choices: OBJ_TARGETS, help: `objectness target${def('objTarget')}` },
  assign: { type: 'string', choices: ASSIGN_RULES, help: `anchor assignment${def('assign')}` },
  'ignore-thresh': { type: 'number', help: `darknet's ignore_thresh${def('ignoreThresh')}` },
  augment: { type: 'boolean', help: `augmentation${def('augment', { note: '; --no-augment turns it off' })}` },
  shuffle: { type: 'boolean', help: `shuffle the training images every epoch${def('shuffle', { note: '; --no-shuffle keeps file order, as the series' })}` },
  'multi-scale': { type: 'string', bare: 'on', help: "each batch at a size drawn from MIN,MAX px (multiples of the model's stride); alone: ultralytics' 0.5x..1.5x --img-size; off: one size even when the cfg's [yolo] say random=1 (default: on for random=1, else off)" },
  freeze: { type: 'number', integer: true, min: 0, help: "freeze layers 0..N-1 (not trained, BatchNorm statistics kept), as ultralytics' --freeze (default: up to the cfg's stopbackward=1 layer, else 0)" },
  'max-samples': { type: 'number', integer: true, help: 'train on the first n images only' },
  'max-val-samples': { type: 'number', integer: true, help: 'evaluate on the first n images only' },
  'eval-interval': { type: 'number', integer: true, help: `evaluate every n epochs${def('evalInterval')}` },
  'eval-conf': { type: 'number', help: `NMS confidence threshold for evaluation${def('evalConf')}` },
  'eval-iou': { type: 'number', help: `NMS IoU threshold for evaluation${def('evalIou')}` },
  diagnostics: { type: 'boolean', help: "write diagnostics.csv per epoch: the series' in-training mAP, how the assignment changes, objectness at assigned cells and elsewhere" },
  'save-period-iters': { type: 'number', integer: true, help: `also save last every n iterations inside an epoch, so a crash loses at most n${def('savePeriodIters', { zeroIsOff: true })}` },
  'save-images': { type: 'number', integer: true, help: 'save this many evaluation images with detections drawn at the end' },
  workers: { type: 'number', integer: true, help: `data loader threads${def('workers', { note: ': in process' })}` },
  seed: { type: 'number', integer: true, help: `random seed${def('seed')}` },
  device: { type: 'string', help: "cpu (default), cuda or cuda:N; also applies to --resume" },
  project: { type: 'string', help: `runs folder${def('project')}` },
  name: { type: 'string', help: `run name inside --project${def('name', { note: '; exp2, ... when taken' })}` },
  resume: { type: 'string', help: 'continue a run from its weights/last.safetensors, also after Ctrl-C mid-epoch (other options ignored except --epochs, --device)' },
  nproc: { type: 'number', integer: true, min: 1, help: "data-parallel training in N local worker processes (PyTorch's DDP on Gloo; the cores split between them); under torchrun's environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) this process is one worker" },
  'sync-bn': { type: 'boolean', help: "with --nproc N or under torchrun: BatchNorm statistics over all ranks' samples (torch.nn.SyncBatchNorm); with one rank, plain BatchNorm" },
  'dist-timeout': { type: 'number', min: 1, default: 60, help: 'seconds a collective waits for the other ranks before the run fails naming the rank' },
  'ddp-overlap': { type: 'boolean', help: "data-parallel: start each gradient bucket's allreduce during backward as soon as its gradients are ready, as PyTorch's DDP (default: after backward, faster where the cores are all busy; docs/distributed.md)" },
  backend: { type: 'string', choices: DIST_BACKENDS, help: 'collective backend of data-parallel training: gloo, or nccl (an addon built against a CUDA libtorch; each worker on cuda:LOCAL_RANK) (default nccl with --device cuda, else gloo)' },
} satisfies Specs;

const USAGE = 'usage: yolov3 train --cfg C --data D [options] | yolov3 train --resume RUN/weights/last.safetensors';

function pick(args: Record<string, unknown>): Partial<TrainOptions> {
  const map: [keyof typeof SPECS, keyof TrainOptions][] = [
    ['cfg', 'cfg'], ['data', 'data'], ['val-data', 'valData'], ['eval-on-train', 'evalOnTrain'], ['weights', 'weights'], ['backbone', 'backbone'], ['cutoff', 'cutoff'],
    ['epochs', 'epochs'], ['batch-size', 'batchSize'], ['nominal-batch-size', 'nominalBatchSize'], ['img-size', 'imgSize'], ['optimizer', 'optimizer'],
    ['momentum', 'momentum'], ['nesterov', 'nesterov'], ['lr0', 'lr0'], ['peak-lr', 'peakLr'], ['warmup-iters', 'warmupIters'], ['schedule', 'schedule'], ['lr-power', 'lrPower'], ['lr-counter', 'lrCounter'], ['weight-decay-on', 'weightDecayOn'], ['shuffle', 'shuffle'],
    ['weight-decay', 'weightDecay'], ['clip-grad', 'clipGradNorm'], ['bn-momentum', 'bnMomentum'], ['ema', 'ema'], ['loss-form', 'lossForm'], ['wh-clamp', 'whClamp'], ['bbox-loss', 'bboxLoss'], ['obj-target', 'objTarget'], ['assign', 'assign'],
    ['ignore-thresh', 'ignoreThresh'], ['augment', 'augment'], ['max-samples', 'maxSamples'], ['max-val-samples', 'maxValSamples'], ['eval-interval', 'evalInterval'],
    ['eval-conf', 'evalConf'], ['eval-iou', 'evalIou'], ['save-images', 'saveImages'], ['save-period-iters', 'savePeriodIters'], ['diagnostics', 'diagnostics'], ['workers', 'workers'], ['seed', 'seed'], ['device', 'device'], ['project', 'project'], ['name', 'name'],
    ['freeze', 'freeze'], ['sync-bn', 'syncBn'],
  ];
  const out: Record<string, unknown> = {};
  for (const [flag, key] of map) if (args[flag] !== undefined) out[key] = args[flag];
  if (typeof args['multi-scale'] === 'string') out.multiScale = multiScaleArg(args['multi-scale']);
  return out as Partial<TrainOptions>;
}

function multiScaleArg(text: string): boolean | [number, number] {
  try {
    return parseMultiScale(text);
  } catch (e) {
    throw new UsageError(`yolov3 train: ${(e as Error).message}`);
  }
}

export function printSummary(r: TrainResult): void {
  const e = r.lastEval;
  console.log(`\n${r.interrupted ? 'interrupted' : 'done'}: ${r.epochs} epochs, ${r.iteration} iterations in ${r.seconds.toFixed(1)} s; run folder ${r.paths.dir}`);
  if (e) console.log(`last evaluation on ${e.images} images: mAP@0.5 ${e.map50.toFixed(4)} (VOC rule), mAP@0.5:0.95 ${e.map.toFixed(4)} (COCO rule); best mAP@0.5 ${r.bestMap50.toFixed(4)}`);
}

export async function runTrain(argv: string[]): Promise<number> {
  const args = parseArgs('yolov3 train', SPECS, argv);
  if (args.help) {
    console.log(formatHelp(USAGE, SPECS));
    return 0;
  }
  const timeoutMs = (args['dist-timeout'] ?? 60) * 1000;
  const worker = torch.distributed.torchrunEnv();
  // as PyTorch's SyncBatchNorm, which needs a process group (of any size, one included)
  if (args['sync-bn'] && args.nproc === undefined && !worker) throw new UsageError("yolov3 train: --sync-bn computes BatchNorm statistics over the ranks of data-parallel training: give --nproc N (or run under torchrun's environment)");
  const launching = args.nproc !== undefined && args.nproc > 1 && !worker;
  // checked before any worker starts: no NCCL in this build, no CUDA, too few GPUs
  const backend = launching || worker ? chooseBackend(args.device, args.backend) : undefined;
  if (launching) {
    checkLaunchDevice(args.device, args.nproc!);
    const rest = argv.filter((a, i) => !/^--nproc(=|$)/.test(a) && !(argv[i - 1] === '--nproc' && !a.startsWith('--')));
    return launchWorkers({ nproc: args.nproc!, script: process.argv[1], args: ['train', ...rest], timeoutMs });
  }
  if (worker) exitWithLauncher();
  const call = worker ? { distributed: { ...worker, timeoutMs, rendezvousTimeoutMs: Math.max(timeoutMs, 120_000), ddpOverlap: args['ddp-overlap'], backend, deviceIndex: worker.localRank } } : {};
  let r: TrainResult;
  if (args.resume) {
    r = await train({ resume: args.resume, epochs: args.epochs, device: args.device }, call);
  } else {
    const given = pick(args);
    if (!given.cfg || !given.data) throw new UsageError('yolov3 train: --cfg and --data are required (or --resume); see --help');
    const preset = args.preset === 'series' ? SERIES_PRESET : {};
    r = await train({ ...preset, ...given, cfg: given.cfg, data: given.data }, call);
  }
  if (worker && worker.rank !== 0) return r.interrupted ? 130 : 0;
  printSummary(r);
  if (torch.memory().tensors !== 0) console.error(`note: ${torch.memory().tensors} tensors still alive at exit`);
  return r.interrupted ? 130 : 0;
}

/** The main job's settings over the trainer's defaults, for its help. */
const MAIN = { ...DEFAULT_TRAIN, ...shapesPreset() };

const MAIN_SPECS = {
  epochs: { type: 'number', integer: true, help: `epochs (default ${shown(MAIN.epochs)})` },
  images: { type: 'number', integer: true, help: `generated training images (default ${MAIN.data.replace(/^shapes:/, '')})` },
  workers: { type: 'number', integer: true, help: `data loader threads (default ${shown(MAIN.workers)})` },
  project: { type: 'string', help: `runs folder (default ${shown(MAIN.project)})` },
  name: { type: 'string', help: `run name (default ${shown(MAIN.name)})` },
} satisfies Specs;

/** The main job (`yolov3` with no arguments): see src/train/presets.ts. */
export async function runMainJob(argv: string[]): Promise<number> {
  const args = parseArgs('yolov3 shapes', MAIN_SPECS, argv);
  if (args.help) {
    console.log(formatHelp('usage: yolov3 shapes [options]   (the default command)', MAIN_SPECS));
    return 0;
  }
  const preset = shapesPreset();
  const o = { ...preset, ...(args.images ? { data: `shapes:${args.images}` } : {}), ...pick(args) };
  console.log(`main job: ${o.cfg} on ${o.data} at ${o.imgSize} px, ${o.epochs} epochs; mAP on held-out generated shapes`);
  const r = await train(o);
  printSummary(r);
  console.log(`detections drawn in ${r.paths.detections}; curves ${r.paths.curves}; TensorBoard: tensorboard --logdir ${r.paths.dir}`);
  return r.interrupted ? 130 : 0;
}
