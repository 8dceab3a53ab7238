// `yolov3 detect`: runs a darknet model on images; prints darknet-style
// lines, and optionally saves drawn images, JSON and raw head outputs.
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic_write.js';
import { basename, extname, join } from 'node:path';
import * as torch from '../torch/index.js';
import { Detector, loadImage, saveDetectionsImage, type DetectionResult, type RgbImage } from '../detect/index.js';
import { expandSource } from '../detect/sources.js';
import { formatHelp, parseArgs, type Specs } from './args.js';

const SPECS = {
  cfg: { type: 'string', help: 'darknet .cfg', required: true },
  weights: { type: 'string', help: 'darknet .weights (random weights when absent)' },
  names: { type: 'string', help: '.names file, one class per line (default class0, class1, ...)' },
  source: { type: 'string', help: 'an image, a folder of images, or a glob such as dir/*.jpg', required: true },
  'img-size': { type: 'number', integer: true, help: 'network input size, a multiple of 32 (default: the cfg size)' },
  conf: { type: 'number', default: 0.25, help: 'confidence threshold (objectness x class probability)' },
  iou: { type: 'number', default: 0.45, help: 'NMS IoU threshold' },
  'max-det': { type: 'number', integer: true, default: 300, help: 'most detections per image' },
  resize: { type: 'string', default: 'letterbox', choices: ['letterbox', 'stretch'], help: 'keep aspect ratio with grey padding, or stretch (OpenCV blob style)' },
  'multi-label': { type: 'boolean', help: 'a box reports every class above the threshold, as darknet prints' },
  agnostic: { type: 'boolean', help: 'boxes of different classes suppress each other' },
  batch: { type: 'number', integer: true, default: 1, help: 'images per forward pass' },
  out: { type: 'string', help: 'save each image with boxes drawn into this folder' },
  json: { type: 'string', help: 'write all results as JSON to this file' },
  'save-raw': { type: 'string', help: 'write <stem>.input.npy and <stem>.head<k>.npy (raw heads) into this folder' },
  device: { type: 'string', default: 'cpu', help: "'cpu' or 'cuda'" },
} satisfies Specs;

function stem(path: string): string {
  return basename(path, extname(path));
}

export async function runDetect(argv: string[]): Promise<number> {
  const args = parseArgs('yolov3 detect', SPECS, argv);
  if (args.help) {
    console.log(formatHelp('usage: yolov3 detect --cfg C [--weights W] [--names N] --source PATH [options]', SPECS));
    return 0;
  }
  const { files, single } = expandSource(args.source!);
  const detector = Detector.fromDarknet({ cfg: args.cfg!, weights: args.weights, names: args.names, imgSize: args['img-size'], device: args.device as torch.Device });
  const options = { conf: args.conf, iou: args.iou, maxDet: args['max-det'], resize: args.resize as 'letterbox' | 'stretch', multiLabel: args['multi-label'], agnostic: args.agnostic };
  for (const dir of [args.out, args['save-raw']]) if (dir) mkdirSync(dir, { recursive: true });
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
      const t0 = process.hrtime.bigint();
      const { results, raw } = detector.detectImages(batch.map((b) => b.image), options, Boolean(args['save-raw']));
      const ms = Number(process.hrtime.bigint() - t0) / 1e6 / batch.length;
      for (const [k, { file, image }] of batch.entries()) {
        const r = results[k];
        console.log(`${file}: Predicted in ${ms.toFixed(1)} ms.`);
        for (const d of r.detections) {
          const { x1, y1, x2, y2 } = d.box;
          console.log(`${d.className}: ${(d.score * 100).toFixed(0)}%\t(${[x1, y1, x2, y2].map((v) => v.toFixed(1)).join(', ')})`);
        }
        all.push({ file, ...r });
        if (args.out) await saveDetectionsImage(image, r.detections, detector.names.length, join(args.out, `${stem(file)}.jpg`));
        if (raw) {
          torch.tidy(() => {
            torch.io.saveNpy(join(args['save-raw']!, `${stem(file)}.input.npy`), raw.input.narrow(0, k, 1).cpu());
            raw.heads.forEach((h, i) => torch.io.saveNpy(join(args['save-raw']!, `${stem(file)}.head${i}.npy`), h.narrow(0, k, 1).cpu()));
          });
        }
      }
      if (raw) torch.dispose(raw);
    }
  } finally {
    detector.dispose();
  }
  if (args.json) writeFileAtomic(args.json, Buffer.from(JSON.stringify(all, null, 2)));
  if (failed) console.error(`${failed} of ${files.length} images could not be read`);
  return all.length === 0 && failed > 0 ? 1 : 0;
}
