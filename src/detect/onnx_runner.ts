// Detection with an exported model in onnxruntime: images prepared as the
// libtorch Detector prepares them (preprocess.ts), the session run, its
// outputs to detections (onnx_outputs.ts) in original image pixels
// (results.ts). Written against the part of onnxruntime's API that
// onnxruntime-node and onnxruntime-web share, and free of Node modules: the
// Node OnnxDetector and the browser page both run this.
import type { RgbImage } from '../data/image.js';
import type { YoloOnnxMetadata } from '../onnx/yolo_metadata.js';
import { prepareInput } from './preprocess.js';
import { checkInGraphOptions, expectedOutputs, outputRows, type OutputArray } from './onnx_outputs.js';
import { toDetectionResult } from './results.js';
import type { DetectOptions, DetectionResult } from './types.js';

/** What is used of an onnxruntime tensor. */
export interface OrtTensorLike { readonly data: unknown; readonly dims: readonly number[]; readonly type: string }

/** What is used of an onnxruntime InferenceSession. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ({ isTensor: true; shape: readonly (number | string)[] } | { isTensor: false })[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
}

/** What is used of the onnxruntime module: the Tensor constructor. */
export interface OrtLike { Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensorLike }

/** The session's input batch: a fixed size, or 'dynamic' (a named or free dimension). */
function inputBatch(session: OrtSessionLike, meta: YoloOnnxMetadata): number | 'dynamic' {
  const input = session.inputMetadata[0];
  if (session.inputNames.length !== 1 || !input?.isTensor || input.shape.length !== 4) throw new Error(`${meta.file}: expected one input images [B, 3, H, W], got ${session.inputNames.join(', ')}`);
  const [b, c, h, w] = input.shape;
  if (c !== 3 || h !== meta.inputHeight || w !== meta.inputWidth) {
    throw new Error(`${meta.file}: the input is [${input.shape.join(', ')}], but the metadata says [B, 3, ${meta.inputHeight}, ${meta.inputWidth}]`);
  }
  return typeof b === 'number' && b > 0 ? b : 'dynamic';
}

export class OnnxRunner {
  /** Images per run: fixed by the model, or any ('dynamic'). */
  readonly batch: number | 'dynamic';

  constructor(readonly ort: OrtLike, readonly session: OrtSessionLike, readonly meta: YoloOnnxMetadata, readonly names: string[] = meta.names) {
    if (names.length !== meta.names.length) throw new Error(`${meta.file}: ${names.length} class names for a model with ${meta.names.length} classes`);
    const missing = expectedOutputs(meta).filter((n) => !session.outputNames.includes(n));
    if (missing.length) throw new Error(`${meta.file}: the metadata says output '${meta.output}', but the graph lacks ${missing.join(', ')} (it has ${session.outputNames.join(', ')})`);
    this.batch = inputBatch(session, meta);
  }

  /** Detections for each image, boxes in original image pixels. */
  async detectImages(images: RgbImage[], options: DetectOptions = {}): Promise<DetectionResult[]> {
    if (this.meta.output === 'nms') checkInGraphOptions(this.meta, options);
    const { inputWidth: w, inputHeight: h } = this.meta;
    const prepared = images.map((img) => prepareInput(img, w, h, options.resize ?? this.meta.resize));
    const results: DetectionResult[] = [];
    const step = this.batch === 'dynamic' ? Math.max(images.length, 1) : this.batch;
    for (let start = 0; start < prepared.length; start += step) {
      const chunk = prepared.slice(start, start + step);
      const rows = await this.#run(chunk.map((p) => p.data), this.batch === 'dynamic' ? chunk.length : step, options);
      chunk.forEach((p, i) => results.push(toDetectionResult(rows[i], p.geometry, this.names)));
    }
    return results;
  }

  /** One run on `size` images (a fixed batch is padded with grey inputs); NMS rows for the given ones. */
  async #run(inputs: Float32Array[], size: number, options: DetectOptions): Promise<Float32Array[]> {
    const plane = 3 * this.meta.inputWidth * this.meta.inputHeight;
    const batch = new Float32Array(size * plane).fill(0.5);
    inputs.forEach((d, i) => batch.set(d, i * plane));
    const feeds = { [this.session.inputNames[0]]: new this.ort.Tensor('float32', batch, [size, 3, this.meta.inputHeight, this.meta.inputWidth]) };
    const out = await this.session.run(feeds);
    const arrays: Record<string, OutputArray> = {};
    for (const name of expectedOutputs(this.meta)) {
      const t = out[name];
      if (t.type !== 'float32') throw new Error(`${this.meta.file}: output ${name} is ${t.type}, expected float32`);
      arrays[name] = { data: t.data as Float32Array, dims: t.dims.map(Number) };
    }
    return outputRows(arrays, this.meta, inputs.length, options);
  }
}
