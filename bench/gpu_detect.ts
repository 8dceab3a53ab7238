// Detection latency on a GPU, for scripts/gpu-check.sh: the Detector
// (letterbox, forward fused for inference, head decoding, NMS) on
// BENCH_DEVICE (default cuda:0) against PyTorch eager on the same device
// (bench/reference/pytorch_detect.py with the spec's device), batch 1 and
// 8, for yolov3 and yolov3-tiny at 416 from the repository's cfg/ (the
// check's machine has no ../shared) with the same random darknet weights,
// on one synthetic 640x480 image (no JPEG decoding on either side). Times
// are ms per detect call (the whole batch): medians of BENCH_DETECT_REPEATS
// (default 10) after a warm-up; BENCH_DETECT_MODELS=a,b picks the cfgs.
// Ours reads its boxes back to the host, which waits for the GPU; the
// reference synchronises before each time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as torch from '../src/torch/index.js';
import { Darknet, saveWeights } from '../src/darknet/index.js';
import { Detector } from '../src/detect/index.js';
import type { RgbImage } from '../src/data/image.js';
import { REPO_ROOT, PYTHON, printTable } from './timing.js';

const DEVICE = (process.env.BENCH_DEVICE ?? 'cuda:0') as torch.Device;
const REPEATS = Number(process.env.BENCH_DETECT_REPEATS ?? 10);
const BATCHES = [1, 8];
const MODELS = process.env.BENCH_DETECT_MODELS?.split(',') ?? ['yolov3-tiny', 'yolov3'];

const medianMs = (seconds: number[]) => [...seconds].sort((a, b) => a - b)[Math.floor(seconds.length / 2)] * 1000;

/** A deterministic noise image (a fixed LCG), the same bytes for both sides. */
function noiseImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let x = 12345;
  for (let i = 0; i < data.length; i++) data[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return { data, width, height };
}

function oursMs(detector: Detector, image: RgbImage, batch: number): number {
  const images = Array(batch).fill(image) as RgbImage[];
  detector.detectImages(images, { conf: 0.25 });
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = process.hrtime.bigint();
    detector.detectImages(images, { conf: 0.25 });
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return medianMs(times);
}

function pytorchMs(spec: object): Record<string, number> | string {
  const r = spawnSync(PYTHON, [join(REPO_ROOT, 'bench', 'reference', 'pytorch_detect.py'), JSON.stringify(spec)], { encoding: 'utf8' });
  if (r.status !== 0) return `failed: ${r.stderr.slice(-500)}`;
  const times = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number[]>;
  return Object.fromEntries(Object.entries(times).map(([b, s]) => [b, medianMs(s)]));
}

export async function benchGpuDetect(): Promise<object> {
  if (DEVICE !== 'cpu' && !torch.cuda.isAvailable()) return { skipped: `no CUDA device for ${DEVICE}` };
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-bench-gpu-detect-'));
  const image = noiseImage(640, 480);
  const imageNpy = join(dir, 'image.npy');
  torch.tidy(() => torch.io.saveNpy(imageNpy, torch.tensor(image.data, { shape: [480, 640, 3], dtype: 'uint8' })));
  const rows: Record<string, object> = {};
  try {
    for (const name of MODELS) {
      const cfg = join(REPO_ROOT, 'cfg', `${name}.cfg`);
      torch.manualSeed(0);
      const model = Darknet.fromFile(cfg);
      const weights = join(dir, `${name}.weights`);
      saveWeights(model, weights);
      model.to(DEVICE);
      const detector = new Detector(model, Array.from({ length: model.heads[0].classes }, (_, i) => `c${i}`), [416, 416], DEVICE);
      try {
        const ours = Object.fromEntries(BATCHES.map((b) => [b, oursMs(detector, image, b)]));
        const pytorch = pytorchMs({ cfg, weights, image: imageNpy, size: 416, threads: torch.getNumThreads(), batches: BATCHES, repeats: REPEATS, device: DEVICE });
        for (const b of BATCHES) {
          const theirs = typeof pytorch === 'string' ? pytorch : pytorch[String(b)];
          rows[`${name} 416 batch ${b}`] = { device: DEVICE, oursMs: ours[b], pytorchMs: theirs, ratio: typeof theirs === 'number' ? theirs / ours[b] : null };
        }
      } finally {
        detector.dispose();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(`detect on ${DEVICE} (ms per call): ours vs PyTorch eager`, ['case', 'ours ms', 'PyTorch ms', 'PyTorch/ours'],
    Object.entries(rows).map(([k, r]) => { const v = r as { oursMs: number; pytorchMs: number | string; ratio: number | null }; return [k, v.oursMs, typeof v.pytorchMs === 'number' ? v.pytorchMs : 'failed', v.ratio ?? '-']; }));
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await benchGpuDetect(), null, 2));
