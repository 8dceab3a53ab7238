// Forward passes of the parameter-free darknet layers, after darknet's
// forward_*_layer functions. Each returns a new tensor handle (never its
// input object), so the model can free every layer output independently.
import * as torch from '../torch/index.js';
import { activate } from './conv_block.js';
import type { AvgPoolSpec, DropoutSpec, MaxPoolSpec, RouteSpec, ShortcutSpec, UpsampleSpec } from './specs.js';

type Tensor = torch.Tensor;

/**
 * A new handle on the same data, with the same strides (aten::alias): a
 * view(shape) may restride a size-1 batch dimension (channels-last [1, C, H,
 * W] came back with batch stride C), which libtorch 1.13's oneDNN
 * convolution no longer takes for channels-last, so every later layer ran
 * contiguous with its activations reordered in and out of oneDNN's layout.
 */
export function alias(x: Tensor): Tensor {
  return torch.op('aten::alias', x);
}

export function route(spec: RouteSpec, outs: (Tensor | null)[]): Tensor {
  return torch.tidy(() => {
    const parts = spec.layers.map((l) => {
      const t = outs[l]!;
      // a whole layer is a view: a full-range slice's backward would build a zero tensor and copy into it
      if (spec.groups === 1) return alias(t);
      const c = t.shape[1] / spec.groups;
      return t.slice(1, spec.groupId * c, (spec.groupId + 1) * c);
    });
    return parts.length === 1 ? parts[0] : torch.cat(parts, 1);
  });
}

/**
 * out = alpha*prev + beta*from on the channels both have; when `from` is
 * larger it is sampled every `stride` pixels and extra channels of prev pass
 * through unscaled, as darknet's shortcut_cpu. `overwritePrev`: the caller
 * owns prev, nothing else reads it and autograd is off; the sum may then be
 * written into it (no new buffer).
 */
export function shortcut(spec: ShortcutSpec, prev: Tensor, from: Tensor, overwritePrev = false): Tensor {
  return torch.tidy(() => {
    const [, c2, , w2] = prev.shape;
    const [, c1, , w1] = from.shape;
    const stride = w1 / w2;
    const minc = Math.min(c1, c2);
    let add = c1 > minc ? from.slice(1, 0, minc) : from;
    if (stride > 1) add = add.slice(2, 0, null, stride).slice(3, 0, null, stride);
    const scaled = (t: Tensor, k: number) => (k === 1 ? t : t.mul(k));
    let out: Tensor;
    if (c2 === minc && overwritePrev && spec.alpha === 1) {
      out = prev.add_(scaled(add, spec.beta)); // inference: nothing else reads prev (Darknet.#run)
    } else if (c2 === minc) {
      out = scaled(prev, spec.alpha).add(scaled(add, spec.beta));
    } else {
      const head = scaled(prev.slice(1, 0, minc), spec.alpha).add(scaled(add, spec.beta));
      out = torch.cat([head, prev.slice(1, minc, c2)], 1);
    }
    const y = activate(out, spec.activation);
    return y === prev ? alias(y) : y;
  });
}

export function upsample(spec: UpsampleSpec, x: Tensor): Tensor {
  return torch.tidy(() => {
    const y = torch.F.interpolateNearest(x, { scaleFactor: spec.stride });
    return spec.scale === 1 ? y : y.mul(spec.scale);
  });
}

/**
 * Darknet pads floor(padding/2) before and the rest after, with -inf. Padding
 * only after that no window reaches (a 2x2 stride-2 pool's one column and row
 * on an even map, as every yolov3-tiny pool but its last) is not made: the
 * same windows of x give the same maxima and gradients without copying x.
 */
export function maxpool(spec: MaxPoolSpec, x: Tensor): Tensor {
  const before = Math.floor(spec.padding / 2);
  const after = spec.padding - before;
  if (spec.size === 1 && spec.stride === 1 && spec.padding === 0) return alias(x);
  const outputs = (n: number, pad: number) => Math.floor((n + pad - spec.size) / spec.stride) + 1;
  const [h, w] = x.shape.slice(-2);
  const unread = before === 0 && h >= spec.size && w >= spec.size && outputs(h, after) === outputs(h, 0) && outputs(w, after) === outputs(w, 0);
  const padding: [number, number, number, number] | 0 = spec.padding === 0 || unread ? 0 : [before, after, before, after];
  return torch.F.maxPool2d(x, spec.size, { stride: spec.stride, padding });
}

export function avgpool(_spec: AvgPoolSpec, x: Tensor): Tensor {
  return torch.F.adaptiveAvgPool2d(x, 1);
}

/** Identity at inference; in training darknet drops with probability p and scales by 1/(1-p), as PyTorch. */
export function dropout(spec: DropoutSpec, x: Tensor, training: boolean): Tensor {
  return training && spec.probability > 0 ? torch.F.dropout(x, spec.probability, true) : alias(x);
}
