// `yolov3 val`: evaluates a model on a dataset: the COCO metrics table
// (pycocotools' twelve numbers), per-class AP, and mAP@0.5 by the VOC rule.
// Images go in as `yolov3 detect` feeds them (darknet's letterbox or
// stretch) and boxes are compared, and saved, in original image pixels.
import { writeFileAtomic } from '../util/atomic_write.js';
import { Darknet } from '../darknet/index.js';
import { loadModelFile } from '../darknet/checkpoint.js';
import { openDataset } from '../data/index.js';
import type { ResizeMode } from '../detect/preprocess.js';
import { COCO_ID_MODES, resultIds, saveCocoResults, type CocoIdMode, type CocoStats } from '../eval/index.js';
import { resolveDevice } from '../torch/resolve_device.js';
import { evaluateDetector } from '../val/evaluate.js';
import { originalFrameBatches } from '../val/eval_inputs.js';
import { formatHelp, parseArgs, type Specs } from './args.js';

const SPECS = {
  cfg: { type: 'string', help: 'darknet .cfg', required: true },
  weights: { type: 'string', help: 'darknet .weights, or a training checkpoint (.safetensors)', required: true },
  data: { type: 'string', help: 'dataset: .yaml, .data, COCO .json, VOC folder, or shapes:N', required: true },
  split: { type: 'string', default: 'val', choices: ['train', 'val', 'test'], help: 'dataset split' },
  'img-size': { type: 'number', integer: true, help: 'input size, a multiple of 32 (default: the cfg width)' },
  'batch-size': { type: 'number', integer: true, default: 8, help: 'images per forward pass' },
  conf: { type: 'number', default: 0.001, help: 'NMS confidence threshold' },
  iou: { type: 'number', default: 0.6, help: 'NMS IoU threshold' },
  'max-samples': { type: 'number', integer: true, default: 0, help: 'evaluate the first n images only' },
  resize: { type: 'string', default: 'letterbox', choices: ['letterbox', 'stretch'], help: "darknet's resize, as detect: keep aspect ratio with grey padding, or stretch" },
  device: { type: 'string', default: 'cpu', help: 'cpu, cuda or cuda:N' },
  'save-json': { type: 'string', help: 'write the detections in COCO results format' },
  'coco-ids': { type: 'string', default: 'auto', choices: [...COCO_ID_MODES], help: "--save-json's category ids: auto (a COCO JSON dataset's own, COCO's 1..90 for COCO's 80 names, else the class index), index, or coco91" },
  'metrics-json': { type: 'string', help: 'write {AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, mAP50_voc}' },
} satisfies Specs;

const LINES: [keyof CocoStats, string][] = [
  ['AP', 'Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]'],
  ['AP50', 'Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ]'],
  ['AP75', 'Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ]'],
  ['APs', 'Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]'],
  ['APm', 'Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]'],
  ['APl', 'Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]'],
  ['AR1', 'Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ]'],
  ['AR10', 'Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ]'],
  ['AR100', 'Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]'],
  ['ARs', 'Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]'],
  ['ARm', 'Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]'],
  ['ARl', 'Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]'],
];

export async function runVal(argv: string[]): Promise<number> {
  const args = parseArgs('yolov3 val', SPECS, argv);
  if (args.help) {
    console.log(formatHelp('usage: yolov3 val --cfg C --weights W --data D [options]', SPECS));
    return 0;
  }
  const device = resolveDevice(args.device);
  const model = Darknet.fromFile(args.cfg!);
  try {
    loadModelFile(model, args.weights!); // .weights, or a .safetensors checkpoint (a training run's too)
    model.to(device);
    const size = args['img-size'] ?? model.cfg.net.width;
    const ds = await openDataset(args.data!, { split: args.split as 'train' | 'val' | 'test', size });
    const batches = originalFrameBatches(ds, { size, resize: args.resize as ResizeMode, batchSize: args['batch-size']!, maxSamples: args['max-samples'] });
    const r = await evaluateDetector(model, batches, { conf: args.conf, iou: args.iou });
    console.log(`${ds.origin}: ${r.images} images (${args.resize} to ${size}), ${r.groundTruth.length} objects, ${r.detections.length} detections (${r.seconds.toFixed(1)} s)`);
    for (const [k, text] of LINES) console.log(` ${text} = ${r.coco.stats[k].toFixed(3)}`);
    console.log(`\n${'class'.padEnd(16)} ${'AP'.padStart(7)} ${'AP50'.padStart(7)} ${'VOC AP50'.padStart(9)}`);
    for (const c of r.coco.perClass) {
      const voc = r.voc.perClass.find((v) => v.category === c.category);
      console.log(`${(ds.names[c.category] ?? String(c.category)).padEnd(16)} ${c.ap.toFixed(3).padStart(7)} ${c.ap50.toFixed(3).padStart(7)} ${(voc?.ap ?? NaN).toFixed(3).padStart(9)}`);
    }
    console.log(`\nmAP@0.5 (VOC rule) ${r.map50.toFixed(4)}   mAP@0.5:0.95 (COCO) ${r.map.toFixed(4)}`);
    if (args['save-json']) {
      const ids = resultIds(ds, args['coco-ids'] as CocoIdMode);
      saveCocoResults(args['save-json'], r.detections, { ids });
      console.log(`saved ${r.detections.length} detections to ${args['save-json']} (category ids: ${ids.describe})`);
    }
    if (args['metrics-json']) {
      const s = r.coco.stats;
      const m = { AP: s.AP, AP50: s.AP50, AP75: s.AP75, APs: s.APs, APm: s.APm, APl: s.APl, AR1: s.AR1, AR10: s.AR10, AR100: s.AR100, mAP50_voc: r.map50 };
      writeFileAtomic(args['metrics-json'], Buffer.from(JSON.stringify(m, null, 2) + '\n'));
    }
    return 0;
  } finally {
    model.dispose();
  }
}
