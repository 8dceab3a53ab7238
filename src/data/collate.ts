// Batching: prepared samples become the seed's tensors — images
// [B, 3, S, S] float32 0..1 and labels [N, 6] = [batch_idx, x, y, w, h, cls] —
// plus the multi-scale size schedule. Tensors are made here only, on the main thread.

import * as torch from '../torch/index.js';
import { Rng, mixSeed } from './rng.js';

/** One sample ready to batch: CHW float32 pixels and [n, 5] cls,x,y,w,h labels. */
export interface PreparedSample {
  index: number;
  imageId: string;
  size: number;
  image: Float32Array;
  labels: Float32Array;
}

export interface Batch {
  /** [B, 3, S, S] float32 in 0..1, RGB. */
  images: torch.Tensor;
  /** [N, 6] = [batch_idx, x, y, w, h, cls], normalised. */
  labels: torch.Tensor;
  size: number;
  indices: number[];
  imageIds: string[];
  /** Frees both tensors. */
  dispose(): void;
}

/** Reorders [n, 5] cls-first rows into [n, 6] rows with the batch index in front and cls last. */
export function labelRows(perImage: Float32Array[]): Float32Array {
  const n = perImage.reduce((a, l) => a + l.length / 5, 0);
  const out = new Float32Array(n * 6);
  let o = 0;
  perImage.forEach((l, b) => {
    for (let i = 0; i < l.length; i += 5, o += 6) {
      out[o] = b; out[o + 1] = l[i + 1]; out[o + 2] = l[i + 2]; out[o + 3] = l[i + 3]; out[o + 4] = l[i + 4]; out[o + 5] = l[i];
    }
  });
  return out;
}

/**
 * Stacks samples into a batch. `scratch` (reused between batches) saves
 * allocating and page-faulting a fresh batch-sized buffer each time; its
 * contents are copied into the tensor before collate returns.
 */
export function collate(samples: PreparedSample[], scratch?: Float32Array): Batch {
  if (!samples.length) throw new Error('collate: empty batch');
  const S = samples[0].size, plane = 3 * S * S;
  const need = samples.length * plane;
  const pixels = scratch && scratch.length >= need ? scratch.subarray(0, need) : new Float32Array(need);
  samples.forEach((s, b) => {
    if (s.size !== S || s.image.length !== plane) throw new Error(`collate: sample ${s.imageId} is ${s.size}px, batch is ${S}px`);
    pixels.set(s.image, b * plane);
  });
  const rows = labelRows(samples.map((s) => s.labels));
  const images = torch.tensor(pixels, { shape: [samples.length, 3, S, S] });
  const labels = torch.tensor(rows, { shape: [rows.length / 6, 6] });
  return {
    images, labels, size: S,
    indices: samples.map((s) => s.index), imageIds: samples.map((s) => s.imageId),
    dispose() { images.dispose(); labels.dispose(); },
  };
}

export interface MultiScaleOptions {
  /** Smallest and largest size, multiples of `stride`. */
  min: number;
  max: number;
  /** A new size every this many batches. */
  every: number;
  stride?: number;
}

/** The image size of batch `batch` in `epoch`: fixed, or drawn every k batches from the range (deterministic per seed). */
export function batchImageSize(base: number, ms: MultiScaleOptions | undefined, seed: number, epoch: number, batch: number): number {
  if (!ms || ms.every <= 0) return base;
  const stride = ms.stride ?? 32;
  const lo = Math.ceil(ms.min / stride), hi = Math.floor(ms.max / stride);
  if (hi < lo) throw new Error(`multi-scale range ${ms.min}..${ms.max} holds no multiple of ${stride}`);
  const rng = new Rng(mixSeed(seed, epoch, Math.floor(batch / ms.every), 0x5ca1e));
  return rng.int(lo, hi + 1) * stride;
}
