// Example: detect the objects in one image and draw them.
//
//   node dist/examples/detect.js IMAGE --cfg yolov3.cfg --weights yolov3.weights --names coco.names [--out out.png] [--conf 0.25]
//
// Any darknet cfg with its .weights (or a training run's .safetensors)
// works; the printed lines are darknet's (`dog: 99%  (x1, y1, x2, y2)`).
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Detector, loadImage, saveDetectionsImage, type Detection } from 'yolov3-ts';

export interface DetectExample {
  image: string;
  cfg: string;
  weights: string;
  /** A .names file, or the names in class order. */
  names: string | string[];
  /** Draw the boxes into this PNG. */
  out?: string;
  conf?: number;
}

export async function detectImage(o: DetectExample): Promise<Detection[]> {
  const detector = Detector.fromDarknet({ cfg: o.cfg, weights: o.weights, names: o.names });
  try {
    const img = await loadImage(o.image);
    const { detections } = await detector.detect(img, { conf: o.conf ?? 0.25 });
    for (const d of detections) {
      const { x1, y1, x2, y2 } = d.box;
      console.log(`${d.className}: ${Math.round(d.score * 100)}%  (${[x1, y1, x2, y2].map(Math.round).join(', ')})`);
    }
    if (o.out) await saveDetectionsImage(img, detections, detector.names.length, o.out);
    return detections;
  } finally {
    detector.dispose();
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { cfg: { type: 'string' }, weights: { type: 'string' }, names: { type: 'string' }, out: { type: 'string' }, conf: { type: 'string' } },
  });
  const [image] = positionals;
  if (!image || !values.cfg || !values.weights || !values.names) {
    console.error('usage: node dist/examples/detect.js IMAGE --cfg C --weights W --names N [--out out.png] [--conf 0.25]');
    process.exit(2);
  }
  await detectImage({ image, cfg: values.cfg, weights: values.weights, names: values.names, out: values.out, conf: values.conf ? Number(values.conf) : undefined });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
