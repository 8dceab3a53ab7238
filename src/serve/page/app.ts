// The page `yolov3 serve` serves (web/index.html loads this module): the
// model from /model.onnx in onnxruntime-web (wasm files from /ort/), its
// metadata_props from /model.json read by the same parseYoloMetadata the
// Node detector uses, and detection by the same OnnxRunner (letterbox or
// stretch, decode, NMS, boxes back to image pixels). Input: ?image=URL, the
// file picker, a dropped file, or the webcam. Each detection draws labelled
// boxes, shows its latency and writes the detections as JSON into
// <pre id="detections">; document.title becomes 'done' (or 'error: ...').
// ?image=URL&repeat=N (the benchmark) detects N times and reports the median
// latency in document.body.dataset.latencyMs.
import * as ort from 'onnxruntime-web';
import { parseYoloMetadata } from '../../onnx/yolo_metadata.js';
import { OnnxRunner } from '../../detect/onnx_runner.js';
import type { RgbImage } from '../../data/image.js';
import type { DetectionResult } from '../../detect/types.js';
import { drawDetections } from './draw.js';
import { decodeBlob, rgbPixels } from './image_input.js';

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function fail(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  byId('status').textContent = `error: ${message}`;
  document.title = `error: ${message}`;
}

async function loadRunner(): Promise<OnnxRunner> {
  const response = await fetch('/model.json');
  if (!response.ok) throw new Error(`/model.json: HTTP ${response.status}`);
  const info = (await response.json()) as { file: string; metadata: Record<string, string> };
  const meta = parseYoloMetadata(info.metadata, info.file);
  ort.env.wasm.wasmPaths = '/ort/';
  // threads need cross-origin isolation, which the server's headers give
  ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  const session = await ort.InferenceSession.create('/model.onnx', { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  byId('model').textContent = `${info.file}: ${meta.names.length} classes, ${meta.inputWidth}x${meta.inputHeight} ${meta.resize}, output ${meta.output}`;
  return new OnnxRunner(ort, session, meta);
}

/** The detections in the test contract's form: boxes in original image pixels. */
function contractJson(r: DetectionResult): string {
  return JSON.stringify(r.detections.map((d) => ({ classId: d.classId, className: d.className, score: d.score, box: { x1: d.box.x1, y1: d.box.y1, x2: d.box.x2, y2: d.box.y2 } })), null, 1);
}

class Page {
  #webcam: MediaStream | null = null;

  constructor(readonly runner: OnnxRunner) {}

  /** Detects on `image`, draws `source` with the boxes, shows the latency, writes the JSON; returns the milliseconds. */
  async detect(image: RgbImage, source: CanvasImageSource, label: string): Promise<number> {
    const t0 = performance.now();
    const [r] = await this.runner.detectImages([image]);
    const ms = performance.now() - t0;
    drawDetections(byId<HTMLCanvasElement>('view'), source, r, this.runner.names.length);
    byId('latency').textContent = `${ms.toFixed(1)} ms`;
    byId('status').textContent = `${label}: ${r.detections.length} detections in ${ms.toFixed(1)} ms (${r.width}x${r.height})`;
    byId('detections').textContent = contractJson(r);
    document.body.dataset.latencyMs = ms.toFixed(3);
    return ms;
  }

  /** Detects `repeat` times on an image file; document.title 'done' after, latencyMs the median. */
  async detectBlob(blob: Blob, name: string, repeat = 1): Promise<void> {
    this.stopWebcam();
    const { bitmap, image } = await decodeBlob(blob, name);
    const times: number[] = [];
    for (let k = 0; k < repeat; k++) times.push(await this.detect(image, bitmap, name));
    times.sort((a, b) => a - b);
    document.body.dataset.latencyMs = times[Math.floor(times.length / 2)].toFixed(3);
    document.body.dataset.threads = String(ort.env.wasm.numThreads);
    document.title = 'done';
  }

  async detectUrl(url: string, repeat = 1): Promise<void> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    await this.detectBlob(await response.blob(), url, repeat);
  }

  async toggleWebcam(): Promise<void> {
    if (this.#webcam) return this.stopWebcam();
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    this.#webcam = stream;
    const video = byId<HTMLVideoElement>('video');
    video.srcObject = stream;
    await video.play();
    byId('webcam').textContent = 'Stop webcam';
    const frame = async () => {
      if (this.#webcam !== stream) return;
      if (video.videoWidth > 0) await this.detect(rgbPixels(video, video.videoWidth, video.videoHeight), video, 'webcam');
      requestAnimationFrame(() => void frame().catch(fail));
    };
    await frame();
  }

  stopWebcam(): void {
    this.#webcam?.getTracks().forEach((t) => t.stop());
    this.#webcam = null;
    byId('webcam').textContent = 'Webcam';
  }
}

function wire(page: Page): void {
  const picker = byId<HTMLInputElement>('file');
  picker.addEventListener('change', () => {
    const file = picker.files?.[0];
    if (file) page.detectBlob(file, file.name).catch(fail);
  });
  const drop = document.body;
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('dragging');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('dragging');
    const file = e.dataTransfer?.files[0];
    if (file) page.detectBlob(file, file.name).catch(fail);
  });
  byId('webcam').addEventListener('click', () => void page.toggleWebcam().catch(fail));
}

async function main(): Promise<void> {
  const page = new Page(await loadRunner());
  wire(page);
  byId('status').textContent = 'ready: open or drop an image, or start the webcam';
  const query = new URLSearchParams(location.search);
  const image = query.get('image');
  if (image) await page.detectUrl(image, Math.max(1, Number(query.get('repeat') ?? 1) || 1));
}

window.addEventListener('unhandledrejection', (e) => fail(e.reason));
main().catch(fail);
