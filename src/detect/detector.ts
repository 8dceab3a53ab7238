// The Detector API: a darknet model plus class names; images in, boxes in
// original image pixels out. Several images run as one batched forward.
// Detector.fromOnnx gives the same API over an exported model in
// onnxruntime (onnx_detector.ts, which never loads libtorch).
import * as torch from '../torch/index.js';
import { Darknet, predictionError } from '../darknet/index.js';
import { loadModelFile } from '../darknet/checkpoint.js';
import { nonMaxSuppression } from '../boxes/index.js';
import { loadImage } from './load_image.js';
import type { RgbImage } from '../data/image.js';
import { prepareBatchTensor } from './preprocess_native.js';
import { readNames } from './names.js';
import { toDetectionResult } from './results.js';
import { OnnxDetector, type OnnxDetectorConfig } from './onnx_detector.js';
import type { DetectOptions, DetectionResult, ImageInput } from './types.js';

export type { DetectOptions, Detection, DetectionResult, ImageInput } from './types.js';

export interface DetectorConfig {
  cfg: string;
  /** darknet .weights or a .safetensors checkpoint (e.g. a training run's last); without it the model keeps its random initialisation. */
  weights?: string;
  /** A .names file or the names themselves; default class0, class1, ... */
  names?: string | string[];
  /** Network input size (multiple of 32); default the cfg's width x height. */
  imgSize?: number | [number, number];
  device?: torch.Device;
}

/** The network's view of a batch: its input and raw heads (for --save-raw); the caller disposes. */
export interface RawOutputs {
  input: torch.Tensor;
  heads: torch.Tensor[];
}

export class Detector {
  constructor(readonly model: Darknet, readonly names: string[], readonly inputSize: [number, number], readonly device: torch.Device = 'cpu') {
    const classes = model.heads[0]?.classes;
    if (classes === undefined) throw new Error(`${model.cfg.file}: no [yolo] layer (a Detector needs one)`);
    if (names.length !== classes) throw new Error(`Detector: ${names.length} class names for a cfg with classes=${classes}`);
    model.eval().fuseForInference();
  }

  static fromDarknet(config: DetectorConfig): Detector {
    if (config.device && config.device !== 'cpu' && !torch.cuda.isAvailable()) {
      throw new Error(`device '${config.device}' requested but this libtorch build has no CUDA device (build against a CUDA libtorch with LIBTORCH=...)`);
    }
    const model = Darknet.fromFile(config.cfg);
    try {
      if (config.weights) loadModelFile(model, config.weights);
      const classes = model.heads[0]?.classes ?? 0;
      const names = typeof config.names === 'string' ? readNames(config.names) : config.names ?? Array.from({ length: classes }, (_, i) => `class${i}`);
      if (names.length !== classes) {
        const where = typeof config.names === 'string' ? `${config.names} has` : 'got';
        throw new Error(`${where} ${names.length} class names, but ${config.cfg} has classes=${classes}`);
      }
      const size = config.imgSize ?? [model.cfg.net.width, model.cfg.net.height];
      const [w, h] = typeof size === 'number' ? [size, size] : size;
      if (w % 32 || h % 32) throw new Error(`image size ${w}x${h} is not a multiple of 32`);
      if (config.device) model.to(config.device);
      return new Detector(model, names, [w, h], config.device ?? 'cpu');
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  /** An exported .onnx model (`yolov3 export`) in onnxruntime-node, with the same detect() and results. */
  static fromOnnx(path: string, config?: OnnxDetectorConfig): Promise<OnnxDetector> {
    return OnnxDetector.fromOnnx(path, config);
  }

  /** Detects objects in one image (returns one result) or several (one batched forward, an array). */
  async detect(input: ImageInput, options?: DetectOptions): Promise<DetectionResult>;
  async detect(input: ImageInput[], options?: DetectOptions): Promise<DetectionResult[]>;
  async detect(input: ImageInput | ImageInput[], options: DetectOptions = {}): Promise<DetectionResult | DetectionResult[]> {
    const images = await Promise.all((Array.isArray(input) ? input : [input]).map((i) => (typeof i === 'string' || Buffer.isBuffer(i) ? loadImage(i) : i)));
    const { results } = this.detectImages(images, options);
    return Array.isArray(input) ? results : results[0];
  }

  /** Detection on decoded images; with `keepRaw` also returns the input and raw heads (caller disposes). */
  detectImages(images: RgbImage[], options: DetectOptions = {}, keepRaw = false): { results: DetectionResult[]; raw?: RawOutputs } {
    const [w, h] = this.inputSize;
    // each call repeats the last one's allocations: keeping the block cache's pages saves re-faulting them
    return torch.cpuCache.keepingPages(() => torch.tidy(() => {
      const { input: hwc, geometries } = prepareBatchTensor(images, w, h, options.resize ?? 'letterbox');
      // [B, 3, H, W] with channels-last strides, as the fused forward runs
      let input = hwc.permute([0, 3, 1, 2]);
      if (this.device !== 'cpu') input = input.to(this.device);
      const heads = torch.noGrad(() => this.model.forwardHeads(input));
      const decoded = this.model.decode(heads, w, h);
      let perImage: torch.Tensor[];
      try {
        perImage = nonMaxSuppression(decoded, {
          confThreshold: options.conf ?? 0.25,
          iouThreshold: options.iou ?? 0.45,
          maxDetections: options.maxDet ?? 300,
          agnostic: options.agnostic ?? false,
          multiLabel: options.multiLabel ?? false,
        });
      } catch (e) {
        throw predictionError(e, this.model);
      }
      const results = perImage.map((dets, i) => toDetectionResult(dets.toArray(), geometries[i], this.names));
      return keepRaw ? { results, raw: { input, heads } } : { results };
    }));
  }

  dispose(): void {
    this.model.dispose();
  }
}
