// `yolov3 detect`: runs a darknet model (--cfg, in libtorch) or an exported
// one (--model model.onnx, in onnxruntime; libtorch is then never loaded) on
// images; prints darknet-style lines, and optionally saves drawn images,
// JSON and (libtorch only) raw head outputs.
import { basename, dirname, extname, join } from 'node:path';
import { writeFileAtomic } from '../util/atomic_write.js';
import { ensureWritableDir } from '../util/fs_errors.js';
import { loadImage } from '../detect/load_image.js';
import { saveDetectionsImage } from '../detect/draw.js';
import { expandSource } from '../detect/sources.js';
import { OnnxDetector } from '../detect/onnx_detector.js';
import { videoSources, videosBesideImages } from '../detect/video_sources.js';
import type { DetectOptions, DetectionResult } from '../detect/types.js';
import type { RgbImage } from '../data/image.js';
import { formatHelp, parseArgs, UsageError, type Parsed, type Specs } from './args.js';

const SPECS = {
  cfg: { type: 'string', help: 'darknet .cfg (or --model)' },
  weights: { type: 'string', help: 'darknet .weights (random weights when absent)' },
  model: { type: 'string', help: 'an .onnx file written by `yolov3 export` instead of --cfg/--weights (onnxruntime, no libtorch)' },
  names: { type: 'string', help: ".names file, one class per line (default class0, class1, ...; with --model the model's own)" },
  source: { type: 'string', help: 'an image, a folder of images, or a glob such as dir/*.jpg; or a video, a folder of videos, or anything ffmpeg opens (rtsp://..., /dev/video0)', required: true },
  'img-size': { type: 'number', integer: true, help: 'network input size, a multiple of 32 (default: the cfg size)' },
  // no defaults in the spec: with --model an unset value means the in-graph NMS's own
  conf: { type: 'number', help: 'confidence threshold (objectness x class probability) (default 0.25)' },
  iou: { type: 'number', help: 'NMS IoU threshold (default 0.45)' },
  'max-det': { type: 'number', integer: true, help: 'most detections per image (default 300)' },
  resize: { type: 'string', choices: ['letterbox', 'stretch'], help: "keep aspect ratio with grey padding, or stretch (OpenCV blob style) (default letterbox; with --model the model's)" },
  'multi-label': { type: 'boolean', help: 'a box reports every class above the threshold, as darknet prints' },
  agnostic: { type: 'boolean', help: 'boxes of different classes suppress each other' },
  batch: { type: 'number', integer: true, default: 1, help: 'images (or video frames) per forward pass' },
  out: { type: 'string', help: 'save each image with boxes drawn into this folder (a video: <folder>/<name>.mp4 at its frame rate, or this file if it ends in .mp4, .mkv, ...)' },
  json: { type: 'string', help: 'write all results as JSON to this file (a video: one entry per frame, with its index and time)' },
  'save-raw': { type: 'string', help: 'write <stem>.input.npy and <stem>.head<k>.npy (raw heads) into this folder (not with --model)' },
  device: { type: 'string', default: 'cpu', help: "'cpu' or 'cuda' (not with --model)" },
} satisfies Specs;

export type DetectArgs = Parsed<typeof SPECS>;

/** A detector as the command drives it: results and the milliseconds per image of the detection itself. */
export interface CliDetector {
  names: string[];
  /** `rawPrefixes`: where to save each image's input and raw heads (<prefix>.input.npy, ...). */
  run(images: RgbImage[], options: DetectOptions, rawPrefixes?: string[]): Promise<{ results: DetectionResult[]; ms: number }>;
  dispose(): void | Promise<void>;
}

function stem(path: string): string {
  return basename(path, extname(path));
}

/** --cfg or --model, and only the options that go with it. */
function checkModelOptions(args: DetectArgs): void {
  if (args.model === undefined) {
    if (args.cfg === undefined) throw new UsageError('yolov3 detect: --cfg (or --model) is required (see --help)');
    return;
  }
  for (const option of ['cfg', 'weights', 'img-size', 'save-raw'] as const) {
    if (args[option] !== undefined) throw new UsageError(`yolov3 detect: --${option} does not go with --model (the .onnx file fixes the network${option === 'save-raw' ? '; export with --head raw for raw heads' : ''})`);
  }
  if (args.device !== 'cpu') throw new UsageError(`yolov3 detect: --model runs in onnxruntime on the CPU; --device ${args.device} needs --cfg`);
}

async function openOnnx(args: DetectArgs): Promise<CliDetector> {
  const detector = await OnnxDetector.fromOnnx(args.model!, { names: args.names });
  return {
    names: detector.names,
    async run(images, options) {
      const t0 = process.hrtime.bigint();
      const results = await detector.detectImages(images, options);
      return { results, ms: Number(process.hrtime.bigint() - t0) / 1e6 / images.length };
    },
    dispose: () => detector.dispose(),
  };
}

async function openDetector(args: DetectArgs): Promise<CliDetector> {
  if (args.model !== undefined) return openOnnx(args);
  const { openTorchDetector } = await import('./detect_torch.js'); // loads libtorch
  return openTorchDetector(args);
}

export function detectOptions(args: DetectArgs): DetectOptions {
  return { conf: args.conf, iou: args.iou, maxDet: args['max-det'], resize: args.resize as DetectOptions['resize'], multiLabel: args['multi-label'], agnostic: args.agnostic };
}

export function printResult(file: string, r: DetectionResult, ms: number): void {
  console.log(`${file}: Predicted in ${ms.toFixed(1)} ms.`);
  for (const d of r.detections) {
    const { x1, y1, x2, y2 } = d.box;
    console.log(`${d.className}: ${(d.score * 100).toFixed(0)}%\t(${[x1, y1, x2, y2].map((v) => v.toFixed(1)).join(', ')})`);
  }
}

export async function runDetect(argv: string[]): Promise<number> {
  const args = parseArgs('yolov3 detect', SPECS, argv);
  if (args.help) {
    console.log(formatHelp('usage: yolov3 detect (--cfg C [--weights W] | --model M.onnx) [--names N] --source PATH [options]', SPECS));
    return 0;
  }
  checkModelOptions(args);
  const videos = videoSources(args.source!);
  if (videos) return (await import('./detect_video.js')).runDetectVideo(args, videos, openDetector);
  const { files, single } = expandSource(args.source!);
  const skipped = videosBesideImages(args.source!);
  if (skipped.length) console.error(`warning: ${args.source} holds images and ${skipped.length} video${skipped.length === 1 ? '' : 's'} (${skipped.slice(0, 3).map((f) => basename(f)).join(', ')}${skipped.length > 3 ? ', ...' : ''}): reading the images only; pass the videos as their own --source`);
  // before any work: a read-only or unwritable folder fails now, not after the model has run
  if (args.out) ensureWritableDir(args.out, `--out ${args.out}`);
  if (args['save-raw']) ensureWritableDir(args['save-raw'], `--save-raw ${args['save-raw']}`);
  if (args.json) ensureWritableDir(dirname(args.json), `the folder of --json ${args.json}`);
  const detector = await openDetector(args);
  const options = detectOptions(args);
  const all: (DetectionResult & { file: string })[] = [];
  let failed = 0;
  try {
    for (let start = 0; start < files.length; start += args.batch!) {
      const batch: { file: string; image: RgbImage }[] = [];
      for (const file of files.slice(start, start + args.batch!)) {
        try {
          batch.push({ file, image: await loadImage(file) });
        } catch (e) {
          if (single) throw e;
          console.error(`warning: skipped ${(e as Error).message}`);
          failed++;
        }
      }
      if (batch.length === 0) continue;
      const raw = args['save-raw'] ? batch.map((b) => join(args['save-raw']!, stem(b.file))) : undefined;
      const { results, ms } = await detector.run(batch.map((b) => b.image), options, raw);
      for (const [k, { file, image }] of batch.entries()) {
        printResult(file, results[k], ms);
        all.push({ file, ...results[k] });
        if (args.out) await saveDetectionsImage(image, results[k].detections, detector.names.length, join(args.out, `${stem(file)}.jpg`));
      }
    }
  } finally {
    await detector.dispose();
  }
  if (args.json) writeFileAtomic(args.json, Buffer.from(JSON.stringify(all, null, 2)));
  if (failed) console.error(`${failed} of ${files.length} images could not be read`);
  return all.length === 0 && failed > 0 ? 1 : 0;
}
