// Loader throughput: COCO128 at 416 with full augmentation (mosaic, affine,
// HSV, flip), images per second with 0 (main thread), 1 and 2 worker threads,
// and with the RAM cache warm; against what training consumes: yolov3-tiny
// forward + backward at 416 on the same machine in the same run.
// Run alone: `node dist/bench/loader.js`.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import * as torch from '../src/torch/index.js';
import { readYoloYaml } from '../src/data/yolo_dataset.js';
import { DataLoader, type LoaderOptions } from '../src/data/loader.js';
import { FULL_AUGMENT } from '../src/data/pipeline.js';
import { Darknet } from '../src/darknet/index.js';
import { REPO_ROOT } from './timing.js';

const YAML = join(REPO_ROOT, '..', 'shared', 'data', 'coco128', 'coco128.yaml');
const TINY = join(REPO_ROOT, '..', 'shared', 'data', 'darknet', 'cfg', 'yolov3-tiny.cfg');

/** Images/s of a yolov3-tiny training step's heavy part (forward + backward, batch 4, 416), after one warm-up step. */
function trainStepImagesPerSecond(steps = 2, batch = 4): number {
  const net = Darknet.fromFile(TINY);
  net.train();
  const step = () => {
    torch.tidy(() => {
      const outs = net.forward(torch.rand([batch, 3, 416, 416])) as torch.Tensor[];
      outs.map((o) => o.pow(2).mean()).reduce((a, b) => a.add(b)).backward();
    });
    for (const p of net.parameters()) p.zeroGrad();
  };
  step();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) step();
  const rate = (steps * batch) / (Number(process.hrtime.bigint() - t0) / 1e9);
  net.dispose();
  return rate;
}

async function imagesPerSecond(ds: Awaited<ReturnType<typeof readYoloYaml>>, options: LoaderOptions, epochs: number): Promise<number> {
  const loader = new DataLoader(ds, options);
  try {
    // Warm-up batch: worker start-up and module loading are not throughput.
    for await (const b of loader.epoch(1000)) { b.dispose(); break; }
    let n = 0;
    const t0 = process.hrtime.bigint();
    for (let e = 0; e < epochs; e++) for await (const b of loader.epoch(e)) { n += b.indices.length; b.dispose(); }
    return n / (Number(process.hrtime.bigint() - t0) / 1e9);
  } finally {
    await loader.close();
  }
}

export async function benchLoader(): Promise<object> {
  if (!existsSync(YAML)) return { skipped: `shared data not found: ${YAML}` };
  const ds = await readYoloYaml(YAML);
  const base: LoaderOptions = { batchSize: 16, imgSize: 416, seed: 0, augment: FULL_AUGMENT, prefetch: 2 };
  const before = torch.memory().tensors;
  const rows: Record<string, number> = {};
  for (const workers of [0, 1, 2]) rows[`workers=${workers}`] = await imagesPerSecond(ds, { ...base, workers }, 1);
  rows['workers=2 cache'] = await imagesPerSecond(ds, { ...base, workers: 2, cache: true }, 2);
  const consumer = existsSync(TINY) ? Math.round(trainStepImagesPerSecond() * 100) / 100 : null;
  const leaked = torch.memory().tensors - before;
  return {
    dataset: 'COCO128 (128 images)', size: 416, batch: 16, augment: 'mosaic 1.0, affine (translate .1, scale .5), hsv (.1, 1.5, 1.5), flip .5',
    imagesPerSecond: Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    trainStepImagesPerSecond: { 'yolov3-tiny fwd+bwd b4 416': consumer, threads: torch.getNumThreads() },
    loaderOverConsumer: consumer ? Math.round((rows['workers=2'] / consumer) * 10) / 10 : null,
    cores: (await import('node:os')).availableParallelism(),
    leakedTensors: leaked,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchLoader(), null, 2));
}
