// Box formats on tensors of shape [..., 4] (see formats.ts for the layouts).
// Differentiable: the training loss converts predicted xywh boxes with these.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { BoxFormat, Size } from './formats.js';
import type { Letterbox } from './letterbox.js';
import { checkBoxTensor } from './validate.js';

/** The four coordinates as tensors of shape [...]. */
export function unbindBoxes(t: Tensor): [Tensor, Tensor, Tensor, Tensor] {
  checkBoxTensor(t, 'boxes');
  return torch.F.unbind(t, -1) as [Tensor, Tensor, Tensor, Tensor];
}

function toXyxy(t: Tensor, from: BoxFormat): Tensor {
  const [a, b, c, d] = unbindBoxes(t);
  if (from === 'xywh') {
    const hw = c.div(2);
    const hh = d.div(2);
    return torch.stack([a.sub(hw), b.sub(hh), a.add(hw), b.add(hh)], -1);
  }
  return torch.stack([a, b, a.add(c), b.add(d)], -1); // ltwh
}

function fromXyxy(t: Tensor, to: BoxFormat): Tensor {
  const [x1, y1, x2, y2] = unbindBoxes(t);
  const w = x2.sub(x1);
  const h = y2.sub(y1);
  if (to === 'xywh') return torch.stack([x1.add(x2).div(2), y1.add(y2).div(2), w, h], -1);
  return torch.stack([x1, y1, w, h], -1); // ltwh
}

/** Converts boxes [..., 4] between formats; always returns a new tensor. */
export function convertBoxes(t: Tensor, from: BoxFormat, to: BoxFormat): Tensor {
  checkBoxTensor(t, 'convertBoxes');
  if (from === to) return t.clone();
  return torch.tidy(() => {
    if (from === 'xyxy') return fromXyxy(t, to);
    const xyxy = toXyxy(t, from);
    return to === 'xyxy' ? xyxy : fromXyxy(xyxy, to);
  });
}

/** [a, b, a, b] as a tensor beside `t` (same dtype and device) for broadcasting. */
function xyxyLike(t: Tensor, a: number, b: number): Tensor {
  return torch.tensor([a, b, a, b], { dtype: t.dtype === 'float64' ? 'float64' : 'float32' }).to({ dtype: t.dtype, device: t.device as torch.Device });
}

function scaleXy(t: Tensor, sx: number, sy: number): Tensor {
  checkBoxTensor(t, 'boxes');
  return torch.tidy(() => t.mul(xyxyLike(t, sx, sy)));
}

/** Pixels to 0..1, any format. */
export function normalizeBoxes(t: Tensor, size: Size): Tensor {
  return scaleXy(t, 1 / size.width, 1 / size.height);
}
export function denormalizeBoxes(t: Tensor, size: Size): Tensor {
  return scaleXy(t, size.width, size.height);
}

/** Clips xyxy boxes to [0, width] x [0, height]. */
export function clipBoxes(t: Tensor, size: Size): Tensor {
  checkBoxTensor(t, 'clipBoxes');
  return torch.tidy(() => {
    const [x1, y1, x2, y2] = unbindBoxes(t);
    const cx = (v: Tensor) => v.clamp(0, size.width);
    const cy = (v: Tensor) => v.clamp(0, size.height);
    return torch.stack([cx(x1), cy(y1), cx(x2), cy(y2)], -1);
  });
}

/** Areas of xyxy boxes, shape [...] (negative extents count as 0). */
export function boxAreas(t: Tensor): Tensor {
  return torch.tidy(() => {
    const [x1, y1, x2, y2] = unbindBoxes(t);
    return x2.sub(x1).clamp(0, null).mul(y2.sub(y1).clamp(0, null));
  });
}

/** Maps xyxy boxes on the letterboxed input back to the original image, clipped. */
export function unletterboxBoxes(t: Tensor, lb: Letterbox, original: Size): Tensor {
  checkBoxTensor(t, 'unletterboxBoxes');
  return torch.tidy(() => {
    return clipBoxes(t.sub(xyxyLike(t, lb.padX, lb.padY)).div(xyxyLike(t, lb.scaleX, lb.scaleY)), original);
  });
}
