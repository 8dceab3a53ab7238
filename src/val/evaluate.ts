// Evaluation of a detector: eval-mode forward, NMS, then mAP@0.5 by the VOC
// rule (all-point) and COCO mAP@0.5:0.95 (pycocotools' rules) through
// src/eval. Batches come from a source that says in which frame ground truth
// lives and how a network-input box maps there: the training loader's
// letterboxed frame (identity; fast, used while training), or original image
// pixels through darknet's letterbox/stretch (eval_inputs.ts, `yolov3 val`).
import * as torch from '../torch/index.js';
import { predictionError, type Darknet } from '../darknet/index.js';
import type { DataLoader } from '../data/index.js';
import { letterboxFor, nonMaxSuppression } from '../boxes/index.js';
import { evaluateCoco, evaluateVoc, type CocoResult, type EvalDetection as Detection, type GroundTruth, type VocResult } from '../eval/index.js';

export interface EvalOptions {
  /** NMS confidence threshold (default 0.001). */
  conf?: number;
  /** NMS IoU threshold (default 0.6). */
  iou?: number;
  /** Keep the network inputs of the first n images (for drawing). */
  keepImages?: number;
}

/** One batch to evaluate. */
export interface EvalBatch {
  /** [B, 3, S, S] network input, 0..1. */
  images: torch.Tensor;
  imageIds: string[];
  /** Ground truth of these images, in the frame detections are reported in. */
  truth: GroundTruth[];
  /** Maps image b's box [x1, y1, x2, y2] in network-input pixels to that frame (clipped to the image). */
  toFrame(box: number[], b: number): number[];
  dispose(): void;
}

export interface KeptImage {
  imageId: string;
  /** RGB, HWC, 0..255, the network input. */
  data: Uint8Array;
  width: number;
  height: number;
  /** In network-input pixels, to draw on `data`. */
  detections: Detection[];
}

export interface EvalResult {
  /** VOC-rule mAP at IoU 0.5. */
  map50: number;
  /** COCO mAP@0.5:0.95. */
  map: number;
  voc: VocResult;
  coco: CocoResult;
  detections: Detection[];
  groundTruth: GroundTruth[];
  images: number;
  kept: KeptImage[];
  seconds: number;
}

/** HWC uint8 of one [3, H, W] 0..1 image tensor. */
function toHwc(chw: torch.Tensor): Uint8Array {
  return torch.tidy(() => Uint8Array.from(chw.mul(255).round().clamp(0, 255).permute([1, 2, 0]).contiguous().dataSync() as Float32Array));
}

/**
 * Where image `index` of the loader's dataset lies inside its letterboxed
 * S × S input: [x1, y1, x2, y2]. Detections are clipped to it, not to the
 * padded square, as `yolov3 val` clips to the original image: a box running
 * into the grey border is scored by the part on the image (unclipped, the
 * training curves read about 0.15 mAP@0.5 lower than val on the same weights).
 * Evaluation loaders letterbox without augmentation (data/augment.ts), with
 * ultralytics' rounding; from the original size, so within a pixel of the
 * decoded image's.
 */
function contentBox(loader: DataLoader, index: number, S: number): [number, number, number, number] {
  const { width, height } = loader.dataset.samples[index];
  const lb = letterboxFor({ width: S, height: S }, { width, height }, { rounding: 'ultralytics' });
  return [lb.left, lb.top, lb.left + lb.resized.width, lb.top + lb.resized.height];
}

/** The training loader's batches in its own (letterboxed, square) frame. */
export async function* loaderEvalBatches(loader: DataLoader): AsyncGenerator<EvalBatch> {
  for await (const batch of loader.epoch(0)) {
    const S = batch.size;
    const content = batch.indices.map((i) => contentBox(loader, i, S));
    const truth: GroundTruth[] = [];
    let labels: Float32Array;
    try {
      labels = batch.labels.dataSync() as Float32Array;
    } catch (e) {
      batch.dispose();
      throw e;
    }
    for (let k = 0; k < labels.length; k += 6) {
      const [b, x, y, w, h, c] = labels.subarray(k, k + 6);
      truth.push({ imageId: batch.imageIds[b], box: [(x - w / 2) * S, (y - h / 2) * S, (x + w / 2) * S, (y + h / 2) * S], category: c });
    }
    const clip = (box: number[], b: number) => box.map((v, k) => Math.min(content[b][(k & 1) + 2], Math.max(content[b][k & 1], v)));
    yield { images: batch.images, imageIds: batch.imageIds, truth, toFrame: clip, dispose: () => batch.dispose() };
  }
}

/**
 * Runs `model` (put in eval mode here, restored to its previous mode after)
 * over `batches`; a DataLoader means its epoch 0 in the loader's frame.
 * Categories are class indices.
 */
export async function evaluateDetector(model: Darknet, batches: DataLoader | AsyncIterable<EvalBatch>, o: EvalOptions = {}): Promise<EvalResult> {
  const t0 = Date.now();
  const source = Symbol.asyncIterator in batches ? batches : loaderEvalBatches(batches);
  const wasTraining = model.training;
  model.eval();
  const detections: Detection[] = [];
  const groundTruth: GroundTruth[] = [];
  const kept: KeptImage[] = [];
  const imageIds: string[] = [];
  const device = (model.parameters()[0]?.device ?? 'cpu') as torch.Device; // batches go where the model is
  try {
    for await (const batch of source) {
      try {
        const S = batch.images.shape[2];
        const rows = torch.tidy(() =>
          torch.noGrad(() => {
            const decoded = model.predict(device === 'cpu' ? batch.images : batch.images.to(device));
            let out: torch.Tensor[];
            try {
              out = nonMaxSuppression(decoded, { confThreshold: o.conf ?? 0.001, iouThreshold: o.iou ?? 0.6 });
            } catch (e) {
              throw predictionError(e, model);
            }
            return out.map((t) => t.dataSync() as Float32Array);
          }),
        );
        groundTruth.push(...batch.truth);
        rows.forEach((r, b) => {
          const id = batch.imageIds[b];
          imageIds.push(id);
          const inInput: Detection[] = [];
          for (let k = 0; k < r.length; k += 6) {
            const box = [r[k], r[k + 1], r[k + 2], r[k + 3]];
            inInput.push({ imageId: id, box: box.map((v) => Math.min(S, Math.max(0, v))), score: r[k + 4], category: r[k + 5] });
            detections.push({ imageId: id, box: batch.toFrame(box, b), score: r[k + 4], category: r[k + 5] });
          }
          if (kept.length < (o.keepImages ?? 0)) {
            const img = torch.tidy(() => toHwc(batch.images.select(0, b)));
            kept.push({ imageId: id, data: img, width: S, height: S, detections: inInput });
          }
        });
      } finally {
        batch.dispose();
      }
      await new Promise((resolve) => setImmediate(resolve)); // lets a second Ctrl-C in during a long evaluation
    }
  } finally {
    model.train(wasTraining);
  }
  const voc = evaluateVoc(groundTruth, detections, { iouThreshold: 0.5 });
  const coco = evaluateCoco(groundTruth, detections, { imageIds });
  const map50 = Number.isFinite(voc.map) ? voc.map : 0;
  const map = Number.isFinite(coco.stats.AP) && coco.stats.AP >= 0 ? coco.stats.AP : 0;
  return { map50, map, voc, coco, detections, groundTruth, images: imageIds.length, kept, seconds: (Date.now() - t0) / 1000 };
}
