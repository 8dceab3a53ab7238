// End-to-end detection latency (letterbox/resize from decoded pixels,
// forward, head decoding, NMS; JPEG decoding outside the timing), batch 1
// and 8, for yolov3 at 416 and a depthwise-heavy cfg (bench/mobilenet-yolo.cfg),
// all with the same random darknet weights, image and thread count:
//  - ours: Detector (libtorch, fused for inference);
//  - onnxruntime-node on our ONNX export of the same model (Detector.fromOnnx:
//    the same pre-processing and NMS code, the export decodes in the graph);
//  - PyTorch eager (no_grad, channels-last; bench/reference/pytorch_detect.py);
//  - OpenCV DNN (cv2.dnn.readNetFromDarknet; bench/reference/opencv_detect.py).
// Ours and onnxruntime time the same work per detect call (the whole
// batch): the letterbox (the same float32 values: ours resized natively,
// native/src/resize_rgb.cpp, channels-last, the layout its forward runs on;
// onnxruntime's path in JavaScript, src/detect/resize_rgb.ts, which the
// browser runs too), the forward, the heads decoded (ours in libtorch after
// the forward, the export's in its graph), NMS (the same greedy loop; ours
// native, onnxruntime's path in plain JS) and the results in original
// image pixels. They run in alternating pairs (who goes first alternates),
// so a noisy neighbour slows both alike, with a pause before each timed run
// (BENCH_DETECT_GAP_MS, default 20) so that neither engine's idle threads,
// still spinning after its own run, take cores from the other's; the pause
// is shorter than onnxruntime's spinning after a run, so its session stops
// spinning when a run returns (ONNXRUNTIME_BENCH_SESSION_OPTIONS, timing.ts)
// and spins through the run as by default.
// Threads: ours as src/torch/native.ts loads libtorch; the Python
// references keep their defaults (spinning pools), which cost them most on
// a busy machine.
// ratioVsOnnxruntime = onnxruntimeMs / oursMs on the medians; `load` is the
// 1-minute load average at the start and end of the model's pairs (the
// figures mean little on a machine busier than its thread count).
// BENCH_DETECT_PAIRS sets the fewest pairs at each batch (default 5: with 3,
// two slow runs of three made a batch-8 median); a case whose calls are
// short gets more, up to 41, so that each case's pairs take about
// BENCH_DETECT_CASE_MS (default 3000) and a median of a 30 ms case is not
// decided by two or three noisy calls.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/torch/index.js';
import { Darknet, saveWeights } from '../src/darknet/index.js';
import { Detector, loadImage } from '../src/detect/index.js';
import { exportOnnx } from '../src/export/index.js';
import type { RgbImage } from '../src/data/image.js';
import { REPO_ROOT, PYTHON, ONNXRUNTIME_BENCH_SESSION_OPTIONS, alternatingPairs, spread } from './timing.js';

const SHARED = join(REPO_ROOT, '..', 'shared', 'data', 'darknet');
const BATCHES = [1, 8];
const PAIRS = Number(process.env.BENCH_DETECT_PAIRS ?? 5);
const GAP_MS = Number(process.env.BENCH_DETECT_GAP_MS ?? 20);
const CASE_MS = Number(process.env.BENCH_DETECT_CASE_MS ?? 3000);
const MAX_PAIRS = 41;

/** PAIRS, or more for a short call: pairs of `callMs` each (and their gaps) filling CASE_MS. */
function pairsFor(callMs: number): number {
  return Math.max(PAIRS, Math.min(MAX_PAIRS, Math.ceil(CASE_MS / (2 * (callMs + GAP_MS)))));
}
const MODELS: [string, string][] = [
  ['yolov3 416', join(SHARED, 'cfg', 'yolov3.cfg')],
  ['depthwise (mobilenet-yolo) 416', join(REPO_ROOT, 'bench', 'mobilenet-yolo.cfg')],
];

/** A Python reference's {batch: [seconds...]}, or the reason it gave none. */
function python(script: string, spec: object): Record<string, number[]> | string {
  const r = spawnSync(PYTHON, [join(REPO_ROOT, 'bench', 'reference', script), JSON.stringify(spec)], { encoding: 'utf8' });
  if (r.status !== 0) return `failed: ${r.stderr.slice(-500)}`;
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number[]>;
}

async function benchModel(cfg: string, img: RgbImage, image: string, dir: string): Promise<Record<string, object>> {
  torch.manualSeed(0);
  const model = Darknet.fromFile(cfg);
  const weights = join(dir, 'random.weights');
  saveWeights(model, weights);
  const onnxPath = join(dir, 'model.onnx');
  writeFileSync(onnxPath, exportOnnx(model.eval(), { size: [416, 416], batch: 'dynamic' }));
  const threads = torch.getNumThreads();
  const detector = new Detector(model, Array.from({ length: model.heads[0].classes }, (_, i) => `c${i}`), [416, 416]);
  const onnx = await Detector.fromOnnx(onnxPath, { threads, sessionOptions: ONNXRUNTIME_BENCH_SESSION_OPTIONS });
  const pairs: Record<number, [number[], number[]]> = {};
  const load = [loadavg()[0]];
  try {
    for (const b of BATCHES) {
      const images = Array(b).fill(img) as RgbImage[];
      const ours = async () => detector.detectImages(images, { conf: 0.25 });
      await ours(); // packs its convolutions for this shape; the next call's time sets the pairs
      const t0 = performance.now();
      await ours();
      pairs[b] = await alternatingPairs(ours, () => onnx.detectImages(images, { conf: 0.25 }), pairsFor(performance.now() - t0), GAP_MS);
    }
  } finally {
    load.push(loadavg()[0]);
    detector.dispose();
    await onnx.dispose();
  }
  const spec = { cfg, weights, image, size: 416, threads, batches: BATCHES, repeats: 3 };
  const pytorch = python('pytorch_detect.py', spec);
  const opencv = python('opencv_detect.py', spec);
  // the references report seconds
  const median = (ref: Record<string, number[]> | string, b: number): number | string => (typeof ref === 'string' ? ref : spread(ref[b].map((t) => t * 1000)).median);
  return Object.fromEntries(BATCHES.map((b) => {
    const [ours, ort] = pairs[b].map(spread);
    return [`batch ${b}`, {
      threads, pairs: pairs[b][0].length, load: load.map((l) => Number(l.toFixed(2))),
      oursMs: ours.median, onnxruntimeMs: ort.median, pytorchMs: median(pytorch, b), opencvMs: median(opencv, b),
      ratioVsOnnxruntime: ort.median / ours.median,
      minMs: { ours: ours.min, onnxruntime: ort.min },
    }];
  }));
}

export async function benchDetect(): Promise<object> {
  const image = join(SHARED, 'images', 'dog.jpg');
  if (!existsSync(image)) return { skipped: `needs ${image}` };
  const img = await loadImage(image);
  const out: Record<string, object> = {};
  for (const [name, cfg] of MODELS) {
    if (!existsSync(cfg)) { out[name] = { skipped: `needs ${cfg}` }; continue; }
    const dir = mkdtempSync(join(tmpdir(), 'yolov3-bench-detect-'));
    try {
      for (const [batch, row] of Object.entries(await benchModel(cfg, img, image, dir))) out[`${name} ${batch}`] = row;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await benchDetect(), null, 2));
