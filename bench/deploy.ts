// Deployment latency at 416, batch 1, random weights, for yolov3 and the
// depthwise cfg of bench/detect.ts: the exported model (decoded output) in
// onnxruntime-node against our libtorch forward and decode (Darknet.predict)
// on the same input with the same thread count (the forwards alone, which
// bench/detect.ts's whole detect calls hide), and for yolov3 the `yolov3
// serve` page's whole detection (letterbox, onnxruntime-web in WebAssembly,
// NMS) on dog.jpg in headless Chromium. The two forwards are
// timed in alternating pairs (who goes first alternates too), so a noisy
// neighbour slows both alike, with a pause before each timed run
// (BENCH_DEPLOY_GAP_MS, default 20, as bench/detect.ts) so that onnxruntime's
// threads, still spinning after its run, do not take the cores ours needs
// (and onnxruntime's session stops spinning when a run returns:
// ONNXRUNTIME_BENCH_SESSION_OPTIONS, timing.ts);
// BENCH_DEPLOY_REPEATS sets the pairs (default 5, after one warm-up each) and
// the page's measured detections.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import * as torch from '../src/torch/index.js';
import { Darknet } from '../src/darknet/index.js';
import { loadImage, prepareInput } from '../src/detect/index.js';
import { exportOnnx } from '../src/export/index.js';
import { startServer } from '../src/serve/server.js';
import { REPO_ROOT, ONNXRUNTIME_BENCH_SESSION_OPTIONS, alternatingPairs, spread, type Spread } from './timing.js';

const SHARED = join(REPO_ROOT, '..', 'shared', 'data', 'darknet');
const CHROMIUM = '/usr/bin/chromium';
const REPEATS = Number(process.env.BENCH_DEPLOY_REPEATS ?? 5);
const GAP_MS = Number(process.env.BENCH_DEPLOY_GAP_MS ?? 20);

/** The page's median latency (ms) over REPEATS detections after one warm-up page load, and its wasm threads. */
async function pageLatency(model: string, files: string): Promise<{ ms: number; threads: number } | string> {
  if (!existsSync(CHROMIUM)) return `skipped: ${CHROMIUM} not found`;
  const { chromium } = await import('playwright-core');
  const served = await startServer({ model, port: 0, files });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'], headless: true });
  try {
    const page = await browser.newPage();
    await page.goto(`${served.url}?image=/files/dog.jpg&repeat=${REPEATS + 1}`);
    await page.waitForFunction(() => document.title === 'done' || document.title.startsWith('error'), null, { timeout: 600_000 });
    if ((await page.title()) !== 'done') return `failed: ${await page.title()}`;
    const [ms, threads] = await page.evaluate(() => [Number(document.body.dataset.latencyMs), Number(document.body.dataset.threads)]);
    return { ms, threads };
  } finally {
    await browser.close();
    await served.close();
  }
}

const MODELS: [string, string][] = [
  ['yolov3 416 batch 1', join(SHARED, 'cfg', 'yolov3.cfg')],
  ['depthwise (mobilenet-yolo) 416 batch 1', join(REPO_ROOT, 'bench', 'mobilenet-yolo.cfg')],
];

/** Our forward and onnxruntime-node's on the model's export, in alternating pairs; the export stays at onnxPath. */
async function forwardPairs(cfg: string, input: Float32Array, onnxPath: string): Promise<Record<string, unknown>> {
  torch.manualSeed(0);
  const model = Darknet.fromFile(cfg).eval().fuseForInference(); // as Detector runs it
  try {
    writeFileSync(onnxPath, exportOnnx(model, { size: [416, 416] }));
    const threads = torch.getNumThreads();
    const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', ...ONNXRUNTIME_BENCH_SESSION_OPTIONS });
    const feeds = { images: new ort.Tensor('float32', input, [1, 3, 416, 416]) };
    const x = torch.tensor(input, { shape: [1, 3, 416, 416] });
    try {
      const runOurs = async (): Promise<void> => torch.tidy(() => void torch.noGrad(() => model.predict(x)));
      const runOrt = async (): Promise<void> => void (await session.run(feeds));
      const [ta, tb] = await alternatingPairs(runOurs, runOrt, REPEATS, GAP_MS);
      return { threads, pairs: REPEATS, oursForwardMs: spread(ta), onnxruntimeNodeMs: spread(tb), oursOverOnnxruntime: spread(ta.map((t, i) => t / tb[i])) };
    } finally {
      x.dispose();
      await session.release();
    }
  } finally {
    model.dispose();
  }
}

export async function benchDeploy(): Promise<object> {
  const image = join(SHARED, 'images', 'dog.jpg');
  const missing = [image, ...MODELS.map(([, cfg]) => cfg)].filter((f) => !existsSync(f));
  if (missing.length) return { skipped: `needs ${missing.join(' and ')}` };
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-bench-deploy-'));
  try {
    const input = prepareInput(await loadImage(image), 416, 416, 'letterbox').data;
    const out: Record<string, Record<string, unknown>> = {};
    for (const [i, [name, cfg]] of MODELS.entries()) out[name] = await forwardPairs(cfg, input, join(dir, `${i}.onnx`));
    // the page runs yolov3's export (the first model's)
    mkdirSync(join(dir, 'files'));
    copyFileSync(image, join(dir, 'files', 'dog.jpg'));
    const yolov3 = out[MODELS[0][0]];
    const browser = await pageLatency(join(dir, '0.onnx'), join(dir, 'files'));
    const forward = yolov3.oursForwardMs as Spread;
    yolov3.browserPage = typeof browser === 'string' ? browser : { detectionMs: browser.ms, wasmThreads: browser.threads, overOursForwardMedian: browser.ms / forward.median };
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await benchDeploy(), null, 2));
