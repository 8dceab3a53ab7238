// Loader throughput: COCO128 at 416 with full augmentation (mosaic, affine,
// HSV, flip), images per second with 0 (main thread), 1 and 2 worker threads,
// and with the RAM cache warm; against what training consumes: yolov3-tiny
// forward + backward at 416 on the same machine in the same run, and an
// ultralytics-style OpenCV pipeline (Debian's python3-opencv, one thread) as
// the reference for the image work.
// Run alone: `node dist/bench/loader.js`.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as torch from '../src/torch/index.js';
import { readYoloYaml } from '../src/data/yolo_dataset.js';
import { DataLoader, type LoaderOptions } from '../src/data/loader.js';
import { FULL_AUGMENT } from '../src/data/augment.js';
import { Darknet } from '../src/darknet/index.js';
import { REPO_ROOT, PYTHON } from './timing.js';

const YAML = join(REPO_ROOT, '..', 'shared', 'data', 'coco128', 'coco128.yaml');
const TINY = join(REPO_ROOT, '..', 'shared', 'data', 'darknet', 'cfg', 'yolov3-tiny.cfg');

/** ultralytics' load_mosaic + random_perspective + augment_hsv + fliplr + CHW float, in OpenCV with one thread. */
const CV2_REFERENCE = `
import sys, json, time, glob, random
import numpy as np, cv2
cv2.setNumThreads(1)
d = json.load(sys.stdin); files = sorted(glob.glob(d['dir'] + '/*.jpg')); S = d['size']; n = d['n']
random.seed(0); np.random.seed(0)
def load(i):
    im = cv2.imread(files[i]); h, w = im.shape[:2]; r = S / max(h, w)
    return cv2.resize(im, (round(w * r), round(h * r)), interpolation=cv2.INTER_LINEAR) if r != 1 else im
def mosaic(i):
    yc, xc = (int(random.uniform(S / 2, 3 * S / 2)) for _ in range(2))
    img4 = np.full((2 * S, 2 * S, 3), 114, np.uint8)
    for k, j in enumerate([i] + [random.randrange(len(files)) for _ in range(3)]):
        im = load(j); h, w = im.shape[:2]
        if k == 0: x1a, y1a, x2a, y2a = max(xc - w, 0), max(yc - h, 0), xc, yc; x1b, y1b, x2b, y2b = w - (x2a - x1a), h - (y2a - y1a), w, h
        elif k == 1: x1a, y1a, x2a, y2a = xc, max(yc - h, 0), min(xc + w, 2 * S), yc; x1b, y1b, x2b, y2b = 0, h - (y2a - y1a), min(w, x2a - x1a), h
        elif k == 2: x1a, y1a, x2a, y2a = max(xc - w, 0), yc, xc, min(2 * S, yc + h); x1b, y1b, x2b, y2b = w - (x2a - x1a), 0, w, min(y2a - y1a, h)
        else: x1a, y1a, x2a, y2a = xc, yc, min(xc + w, 2 * S), min(2 * S, yc + h); x1b, y1b, x2b, y2b = 0, 0, min(w, x2a - x1a), min(y2a - y1a, h)
        img4[y1a:y2a, x1a:x2a] = im[y1b:y2b, x1b:x2b]
    return img4
def perspective(img):
    C = np.eye(3); C[0, 2] = -img.shape[1] / 2; C[1, 2] = -img.shape[0] / 2
    R = np.eye(3); R[:2] = cv2.getRotationMatrix2D(angle=0, center=(0, 0), scale=random.uniform(0.5, 1.5))
    T = np.eye(3); T[0, 2] = random.uniform(0.4, 0.6) * S; T[1, 2] = random.uniform(0.4, 0.6) * S
    return cv2.warpAffine(img, (T @ R @ C)[:2], dsize=(S, S), borderValue=(114, 114, 114))
def hsv(img):
    r = np.random.uniform(-1, 1, 3) * [0.015, 0.7, 0.4] + 1
    hue, sat, val = cv2.split(cv2.cvtColor(img, cv2.COLOR_BGR2HSV))
    x = np.arange(0, 256, dtype=r.dtype)
    luts = [((x * r[0]) % 180).astype(np.uint8), np.clip(x * r[1], 0, 255).astype(np.uint8), np.clip(x * r[2], 0, 255).astype(np.uint8)]
    return cv2.cvtColor(cv2.merge([cv2.LUT(c, l) for c, l in zip((hue, sat, val), luts)]), cv2.COLOR_HSV2BGR)
def sample(i):
    img = hsv(perspective(mosaic(i)))
    if random.random() < 0.5: img = np.fliplr(img)
    return np.ascontiguousarray(img[:, :, ::-1].transpose(2, 0, 1)).astype(np.float32) / 255
for i in range(4): sample(i)
t0 = time.time()
for i in range(n): sample(i % len(files))
print(json.dumps(n / (time.time() - t0)))
`;

function cv2ImagesPerSecond(n: number): number | null {
  const r = spawnSync(PYTHON, ['-c', CV2_REFERENCE], {
    input: JSON.stringify({ dir: join(REPO_ROOT, '..', 'shared', 'data', 'coco128', 'images', 'train2017'), size: 416, n }),
    encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) return null; // python3-opencv absent: no reference row
  return Number(r.stdout.trim().split('\n').pop());
}

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
  const reference = cv2ImagesPerSecond(128);
  const consumer = existsSync(TINY) ? Math.round(trainStepImagesPerSecond() * 100) / 100 : null;
  const leaked = torch.memory().tensors - before;
  return {
    dataset: 'COCO128 (128 images)', size: 416, batch: 16, augment: 'mosaic 1.0, affine (translate .1, scale .5), hsv (.1, 1.5, 1.5), flip .5',
    imagesPerSecond: Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    referenceOpenCV1Thread: reference === null ? 'python3-opencv not available' : Math.round(reference * 10) / 10,
    oursWorkers1OverOpenCV: reference ? Math.round((rows['workers=1'] / reference) * 100) / 100 : null,
    trainStepImagesPerSecond: { 'yolov3-tiny fwd+bwd b4 416': consumer, threads: torch.getNumThreads() },
    loaderOverConsumer: consumer ? Math.round((rows['workers=2'] / consumer) * 10) / 10 : null,
    cores: (await import('node:os')).availableParallelism(),
    leakedTensors: leaked,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchLoader(), null, 2));
}
