// End-to-end detection latency, yolov3 at 416: letterbox/resize from decoded
// pixels + forward + head decoding + NMS, batch 1 and 8, ours against
// OpenCV's DNN (cv2.dnn, same cfg, same random darknet weights, same thread
// count) in the same run. JPEG decoding is outside the timing on both sides.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/torch/index.js';
import { Darknet, saveWeights } from '../src/darknet/index.js';
import { Detector, loadImage } from '../src/detect/index.js';
import { REPO_ROOT, PYTHON, medianSeconds } from './timing.js';

const SHARED = join(REPO_ROOT, '..', 'shared', 'data', 'darknet');
const BATCHES = [1, 8];

export async function benchDetect(): Promise<object> {
  const cfg = join(SHARED, 'cfg', 'yolov3.cfg');
  const image = join(SHARED, 'images', 'dog.jpg');
  if (!existsSync(cfg) || !existsSync(image)) return { skipped: `needs ${cfg} and ${image}` };
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-bench-'));
  try {
    torch.manualSeed(0);
    const model = Darknet.fromFile(cfg);
    const weights = join(dir, 'random.weights');
    saveWeights(model, weights);
    const detector = new Detector(model, Array.from({ length: 80 }, (_, i) => `c${i}`), [416, 416]);
    const img = await loadImage(image);
    const ours: Record<string, number> = {};
    for (const b of BATCHES) {
      ours[b] = medianSeconds(() => void detector.detectImages(Array(b).fill(img), { conf: 0.25 }), b === 1 ? 5 : 2);
    }
    detector.dispose();
    const r = spawnSync(PYTHON, [join(REPO_ROOT, 'bench', 'reference', 'opencv_detect.py'), JSON.stringify({ cfg, weights, image, size: 416, threads: torch.getNumThreads(), batches: BATCHES, repeats: 3 })], { encoding: 'utf8' });
    if (r.status !== 0) return { ours, opencv: `failed: ${r.stderr.slice(-500)}` };
    const opencv = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    return Object.fromEntries(BATCHES.map((b) => [`batch ${b}`, {
      oursMsPerImage: (1000 * ours[b]) / b,
      opencvMsPerImage: (1000 * opencv[b]) / b,
      speedupOverOpencv: opencv[b] / ours[b],
    }]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await benchDetect(), null, 2));
