// Example: train the package's small cfg (cfg/shapes-tiny.cfg, 3 classes)
// from scratch on generated Shapes images, then read what the run wrote.
//
//   node dist/examples/train.js [--images 200] [--epochs 3] [--img-size 256] [--project runs/train]
//
// A run folder holds results.csv (one row per epoch: losses, learning
// rate, mAP), curves.png, weights/ (last and best checkpoints, usable as
// --weights for detect, val and export) and TensorBoard events.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { train, type TrainHooks, type TrainResult } from 'yolov3-ts';

/** The package's own cfg: `yolov3-ts/cfg/...` resolves inside this repository and in an installed package alike. */
export const SHAPES_CFG = fileURLToPath(import.meta.resolve('yolov3-ts/cfg/shapes-tiny.cfg'));

export interface TrainExample {
  images?: number;
  epochs?: number;
  imgSize?: number;
  batchSize?: number;
  project?: string;
}

/** results.csv as one record per epoch, its columns by name. */
export function readResults(path: string): Record<string, number>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], v === '' ? NaN : Number(v)])));
}

/** `hooks`: e.g. `{ log }` to take the trainer's lines, `{ hooks: [...] }` for your own per-step work. */
export async function trainShapes(o: TrainExample = {}, hooks: TrainHooks = {}): Promise<{ run: TrainResult; rows: Record<string, number>[] }> {
  const run = await train({
    cfg: SHAPES_CFG,
    data: `shapes:${o.images ?? 200}`, // generated images; evaluated on as many others (another seed)
    imgSize: o.imgSize ?? 256,
    epochs: o.epochs ?? 3,
    batchSize: o.batchSize ?? 8,
    project: o.project ?? 'runs/train',
    name: 'shapes-example',
  }, hooks);
  const rows = readResults(run.paths.results);
  for (const r of rows) console.log(`epoch ${r.epoch}: loss ${r.train_loss.toFixed(3)}, mAP@0.5 ${r.map50.toFixed(3)}, mAP@0.5:0.95 ${r.map.toFixed(3)}`);
  console.log(`best mAP@0.5 ${run.bestMap50.toFixed(3)} in ${run.seconds.toFixed(0)} s; weights in ${run.paths.weights}`);
  return { run, rows };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { images: { type: 'string' }, epochs: { type: 'string' }, 'img-size': { type: 'string' }, project: { type: 'string' } },
  });
  const n = (v?: string) => (v === undefined ? undefined : Number(v));
  await trainShapes({ images: n(values.images), epochs: n(values.epochs), imgSize: n(values['img-size']), project: values.project });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
