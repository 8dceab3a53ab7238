// `yolov3 export`: a darknet cfg and its weights (darknet .weights or our
// .safetensors checkpoints) to an .onnx file.
import { Darknet } from '../darknet/index.js';
import { loadModelFile } from '../darknet/checkpoint.js';
import { readNames } from '../detect/names.js';
import { OPSETS, saveOnnx, type ExportOptions, type OutputKind } from '../export/index.js';
import { formatHelp, parseArgs, UsageError, type Specs } from './args.js';

const SPECS = {
  cfg: { type: 'string', help: 'darknet .cfg', required: true },
  weights: { type: 'string', help: 'darknet .weights, or a .safetensors checkpoint (ours or a training run\'s)', required: true },
  out: { type: 'string', help: 'the .onnx file to write', required: true },
  names: { type: 'string', help: '.names file for the metadata (default: the checkpoint\'s class names, else class0, class1, ...)' },
  'img-size': { type: 'string', help: 'input size N or W,H (default: the cfg\'s width,height)' },
  batch: { type: 'number', integer: true, min: 1, help: 'fixed batch size (default 1)' },
  'dynamic-batch': { type: 'boolean', help: 'a named batch dimension instead of a fixed one' },
  head: { type: 'string', default: 'decoded', choices: ['decoded', 'raw'], help: 'decoded: predictions [B, N, 5+nc] in input pixels; raw: head<k> [B, na, h, w, 5+nc] per [yolo] layer' },
  nms: { type: 'boolean', help: 'end the graph in NonMaxSuppression: detections [n, 7] (image, x1, y1, x2, y2, score, class)' },
  opset: { type: 'number', integer: true, default: 13, help: `ONNX opset, ${OPSETS[0]} to ${OPSETS[OPSETS.length - 1]}` },
  resize: { type: 'string', default: 'letterbox', choices: ['letterbox', 'stretch'], help: 'how images are to be resized to the input (recorded in the metadata)' },
  conf: { type: 'number', default: 0.25, help: 'with --nms: confidence threshold (objectness x class probability)' },
  iou: { type: 'number', default: 0.45, help: 'with --nms: IoU threshold' },
  'max-det': { type: 'number', integer: true, min: 1, default: 300, help: 'with --nms: most detections per image' },
  agnostic: { type: 'boolean', help: 'with --nms: boxes of different classes suppress each other' },
  'multi-label': { type: 'boolean', help: 'with --nms: a box reports every class above the threshold' },
} satisfies Specs;

function parseSize(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+)\s*(?:,\s*(\d+)\s*)?$/.exec(text);
  if (!m || Number(m[1]) < 1 || (m[2] !== undefined && Number(m[2]) < 1)) throw new UsageError(`yolov3 export: --img-size expects N or W,H (positive integers), got '${text}'`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

/** Loads the weights; returns the class names a training checkpoint records (else undefined). */
function loadModel(model: Darknet, weights: string): string[] | undefined {
  const metadata = loadModelFile(model, weights);
  // a training checkpoint's `train` entry (train/checkpoint.ts CheckpointInfo) lists the dataset's classes
  const names = metadata.train ? (JSON.parse(metadata.train) as { classNames?: string[] }).classNames : undefined;
  return names && names.length > 0 ? names : undefined;
}

/** --names (which must fit the cfg), else the checkpoint's names when they fit, else none (class0, ...). */
function classNames(model: Darknet, namesFile: string | undefined, fromCheckpoint: string[] | undefined): string[] | undefined {
  const classes = model.heads[0]?.classes;
  if (namesFile) {
    const names = readNames(namesFile);
    if (classes !== undefined && names.length !== classes) throw new Error(`${namesFile} has ${names.length} class names, but ${model.cfg.file} has classes=${classes}`);
    return names;
  }
  if (fromCheckpoint && fromCheckpoint.length !== classes) {
    console.error(`warning: the checkpoint lists ${fromCheckpoint.length} class names for classes=${classes}; the metadata gets class0, class1, ...`);
    return undefined;
  }
  return fromCheckpoint;
}

function exportOptions(args: ReturnType<typeof parseArgs<typeof SPECS>>, names: string[] | undefined): ExportOptions {
  if (args.batch !== undefined && args['dynamic-batch']) throw new UsageError('yolov3 export: give --batch N or --dynamic-batch, not both');
  if (args.nms && args.head === 'raw') throw new UsageError('yolov3 export: --nms needs --head decoded');
  return {
    size: parseSize(args['img-size']),
    batch: args['dynamic-batch'] ? 'dynamic' : args.batch ?? 1,
    output: (args.nms ? 'nms' : args.head) as OutputKind,
    opset: args.opset,
    names,
    resize: args.resize as 'letterbox' | 'stretch',
    nms: { conf: args.conf!, iou: args.iou!, maxDet: args['max-det']!, agnostic: Boolean(args.agnostic), multiLabel: Boolean(args['multi-label']) },
    source: { cfg: args.cfg, weights: args.weights },
  };
}

export function runExport(argv: string[]): number {
  const args = parseArgs('yolov3 export', SPECS, argv);
  if (args.help) {
    console.log(formatHelp('usage: yolov3 export --cfg C --weights W --out model.onnx [--img-size N | W,H] [--batch N | --dynamic-batch] [--head decoded|raw] [--nms] [--opset 13..17]', SPECS));
    return 0;
  }
  if (!(OPSETS as readonly number[]).includes(args.opset!)) throw new UsageError(`yolov3 export: --opset must be ${OPSETS[0]} to ${OPSETS[OPSETS.length - 1]}, got ${args.opset}`);
  const model = Darknet.fromFile(args.cfg!);
  try {
    const options = exportOptions(args, classNames(model, args.names, loadModel(model, args.weights!)));
    const bytes = saveOnnx(model, args.out!, options);
    const [w, h] = options.size ?? [model.cfg.net.width, model.cfg.net.height];
    console.log(`${args.out}: ${(bytes / 2 ** 20).toFixed(1)} MiB, opset ${args.opset}, input images [${options.batch === 'dynamic' ? 'batch' : options.batch}, ${model.cfg.net.channels}, ${h}, ${w}], output ${options.output}`);
    return 0;
  } finally {
    model.dispose();
  }
}
