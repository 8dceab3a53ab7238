// The parameter-free darknet layers on blocked activations (nn/blocked.ts,
// [N, ceil(C/b), H, W, b] with zeros past C), for an inference forward that
// keeps oneDNN's blocked layout between convolutions (Darknet.#run). Each
// takes what it can in that layout and returns null otherwise; the caller
// then turns its inputs back into [N, C, H, W] and runs layers.ts.
import * as torch from '../torch/index.js';
import { isBlocked } from '../nn/index.js';
import * as L from './layers.js';
import type { LayerShape } from './shapes.js';
import type { Activation, LayerSpec, MaxPoolSpec, RouteSpec, ShortcutSpec, UpsampleSpec } from './specs.js';

type Tensor = torch.Tensor;

/** The layers whose outputs layer i reads (a route's, a shortcut's previous and from, else the previous). */
export function layerReads(l: LayerSpec, i: number): number[] {
  return l.type === 'route' ? l.layers : l.type === 'shortcut' ? [i - 1, l.from] : [i - 1];
}

/** Activations that keep the zeros past C zero (logistic makes them 0.5). */
const keepsZero = (a: Activation) => a !== 'logistic';

/** The layer types that take blocked inputs here (some only for some shapes: they return null for the others). */
const TAKES_BLOCKED = new Set<LayerSpec['type']>(['convolutional', 'route', 'shortcut', 'upsample', 'maxpool']);

/**
 * For each layer, whether a conv there should write blocked output: its
 * activation is one the packed conv fuses (`packs`) and every layer that
 * reads it takes blocked inputs (a conv before a yolo head writes [N, C, H, W]).
 */
export function blockedOutputs(layers: LayerSpec[], packs: (l: LayerSpec) => boolean): boolean[] {
  const readers: LayerSpec[][] = layers.map(() => []);
  layers.forEach((l, i) => {
    for (const j of layerReads(l, i)) if (j >= 0) readers[j].push(l);
  });
  return layers.map((l, i) => l.type === 'convolutional' && packs(l) && readers[i].length > 0 && readers[i].every((r) => TAKES_BLOCKED.has(r.type)));
}

/**
 * The share of the convolution multiply-adds (layer shapes from shapes.ts) in
 * dense k x k kernels (k > 1, one group): what picks the inference layout on
 * AVX-512 (nn/blocked.ts blockSize), where oneDNN's blocked 1x1 and
 * depthwise kernels beat its channels-last ones and its dense 3x3 ones do not.
 */
export function denseKernelShare(layers: LayerSpec[], shapes: LayerShape[]): number {
  let dense = 0, all = 0;
  layers.forEach((l, i) => {
    if (l.type !== 'convolutional') return;
    const [out, h, w] = shapes[i].output;
    const macs = out * h * w * (shapes[i].input[0] / l.groups) * l.size * l.size;
    all += macs;
    if (l.size > 1 && l.groups === 1) dense += macs;
  });
  return all > 0 ? dense / all : 0;
}

/**
 * A route of blocked parts whose channel groups fill whole blocks: cat or
 * slice along the block dimension. `channels[j]`: layer j's channel count.
 */
export function blockedRoute(spec: RouteSpec, outs: (Tensor | null)[], channels: number[]): Tensor | null {
  const parts = spec.layers.map((l) => outs[l]!);
  if (!parts.every(isBlocked)) return null;
  const block = parts[0].shape[4];
  const perGroup = spec.layers.map((l) => channels[l] / spec.groups);
  if (!parts.every((p) => p.shape[4] === block) || !perGroup.every((c) => c % block === 0)) return null;
  return torch.tidy(() => {
    const picked = parts.map((t, k) => (spec.groups === 1 ? L.alias(t) : t.slice(1, (spec.groupId * perGroup[k]) / block, ((spec.groupId + 1) * perGroup[k]) / block)));
    // a group's slice of a batch of several is not contiguous, as a blocked tensor must be
    return picked.length === 1 ? picked[0].contiguous() : torch.cat(picked, 1);
  });
}

/**
 * A shortcut of two blocked tensors of the same shape and channels: layers.ts's
 * shortcut works on them as they are (its channel and stride cases do not arise).
 */
export function blockedShortcut(spec: ShortcutSpec, prev: Tensor, from: Tensor, sameChannels: boolean, overwritePrev: boolean): Tensor | null {
  if (!isBlocked(prev) || !isBlocked(from) || !sameChannels || prev.shape.join() !== from.shape.join() || !keepsZero(spec.activation)) return null;
  return L.shortcut(spec, prev, from, overwritePrev);
}

/**
 * fn applied to blocked x seen as a channels-last [N*blocks, b, H, W]
 * tensor: a per-channel spatial layer (pooling, upsampling) keeps zeros zero.
 */
function perChannel(x: Tensor, fn: (planes: Tensor) => Tensor): Tensor {
  return torch.tidy(() => {
    const [n, blocks, h, w, b] = x.shape;
    const y = fn(x.view([n * blocks, h, w, b]).permute([0, 3, 1, 2]));
    const [, , oh, ow] = y.shape;
    return y.permute([0, 2, 3, 1]).reshape([n, blocks, oh, ow, b]);
  });
}

export function blockedUpsample(spec: UpsampleSpec, x: Tensor): Tensor | null {
  return isBlocked(x) ? perChannel(x, (planes) => L.upsample(spec, planes)) : null;
}

export function blockedMaxpool(spec: MaxPoolSpec, x: Tensor): Tensor | null {
  return isBlocked(x) ? perChannel(x, (planes) => L.maxpool(spec, planes)) : null;
}
