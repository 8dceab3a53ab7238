// Detector.fromOnnx: the Detector API over a model `yolov3 export` wrote,
// in onnxruntime-node. Reads the model's metadata (class names, input size,
// resize mode, output kind) and runs onnx_runner.ts, the code the browser
// page runs too. Nothing here or below loads libtorch, so a deploy-only
// install needs none (src/deploy.ts is that entry point).
import { readFileSync } from 'node:fs';
import type { InferenceSession } from 'onnxruntime-node';
import { readModelHeader } from '../onnx/onnx_proto.js';
import { parseYoloMetadata, type YoloOnnxMetadata } from '../onnx/yolo_metadata.js';
import type { RgbImage } from '../data/image.js';
import { loadImage } from './load_image.js';
import { readNames } from './names.js';
import { OnnxRunner } from './onnx_runner.js';
import type { DetectOptions, DetectionResult, ImageInput } from './types.js';

export interface OnnxDetectorConfig {
  /** A .names file or the names themselves, instead of the model's own; the count must match. */
  names?: string | string[];
  /** onnxruntime's intra-op threads (default: onnxruntime's, one per core). */
  threads?: number;
  /** More onnxruntime session options, applied over ours (e.g. `{ extra: { session: { force_spinning_stop: '1' } } }`). */
  sessionOptions?: InferenceSession.SessionOptions;
}

/** The .onnx file's bytes, its metadata_props and what they say; an Error naming the file otherwise. */
export function readOnnxModel(path: string): { bytes: Uint8Array; props: Record<string, string>; meta: YoloOnnxMetadata } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const props = readModelHeader(bytes, path).metadata;
  return { bytes, props, meta: parseYoloMetadata(props, path) };
}

function classNames(config: OnnxDetectorConfig, meta: YoloOnnxMetadata): string[] {
  const names = typeof config.names === 'string' ? readNames(config.names) : config.names ?? meta.names;
  if (names.length !== meta.names.length) {
    const where = typeof config.names === 'string' ? `${config.names} has` : 'got';
    throw new Error(`${where} ${names.length} class names, but ${meta.file} has ${meta.names.length} classes`);
  }
  return names;
}

export class OnnxDetector {
  private constructor(readonly runner: OnnxRunner, readonly session: InferenceSession) {}

  /** Loads a .onnx file written by `yolov3 export` (any output kind: raw, decoded or nms). */
  static async fromOnnx(path: string, config: OnnxDetectorConfig = {}): Promise<OnnxDetector> {
    const { bytes, meta } = readOnnxModel(path);
    const names = classNames(config, meta);
    const ort = (await import('onnxruntime-node')).default;
    let session: InferenceSession;
    try {
      const threads = config.threads ? { intraOpNumThreads: config.threads, interOpNumThreads: 1 } : {};
      session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', ...threads, ...config.sessionOptions });
    } catch (e) {
      throw new Error(`${path}: onnxruntime cannot load the model: ${(e as Error).message}`);
    }
    try {
      return new OnnxDetector(new OnnxRunner(ort, session, meta, names), session);
    } catch (e) {
      await session.release();
      throw e;
    }
  }

  get names(): string[] {
    return this.runner.names;
  }

  /** The network input [width, height], fixed at export. */
  get inputSize(): [number, number] {
    return [this.runner.meta.inputWidth, this.runner.meta.inputHeight];
  }

  /** What the model's metadata says (output kind, resize mode, in-graph NMS settings, ...). */
  get metadata(): YoloOnnxMetadata {
    return this.runner.meta;
  }

  /** Detects objects in one image (returns one result) or several (an array), as Detector.detect. */
  async detect(input: ImageInput, options?: DetectOptions): Promise<DetectionResult>;
  async detect(input: ImageInput[], options?: DetectOptions): Promise<DetectionResult[]>;
  async detect(input: ImageInput | ImageInput[], options: DetectOptions = {}): Promise<DetectionResult | DetectionResult[]> {
    const images = await Promise.all((Array.isArray(input) ? input : [input]).map((i) => (typeof i === 'string' || Buffer.isBuffer(i) ? loadImage(i) : i)));
    const results = await this.detectImages(images, options);
    return Array.isArray(input) ? results : results[0];
  }

  /** Detection on decoded images (the model's batch at a time; resize defaults to the model's). */
  detectImages(images: RgbImage[], options: DetectOptions = {}): Promise<DetectionResult[]> {
    return this.runner.detectImages(images, options);
  }

  /** Frees the onnxruntime session. */
  dispose(): Promise<void> {
    return this.session.release();
  }
}
