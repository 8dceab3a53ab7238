// The YOLO head decoder: raw outputs t to boxes, as darknet's get_yolo_box.
// A prediction of cell (column i, row j) with anchor (aw, ah) is the box
//   cx = i + centreOffset(tx),  cy = j + centreOffset(ty),
//   w = aw · exp(tw),           h = ah · exp(th),
// in grid units (anchors divided by the stride), or in input pixels (centre
// times the stride, anchors in pixels). Detection, the loss's positives and
// its ignore_thresh all decode through these functions. Constants (cells,
// anchors, strides) take the head's dtype (float32 unless given) and live on
// its device, so a float64 head is decoded in float64 throughout.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { strideXY, type YoloScale } from './scale.js';

/** Where decoded boxes are measured: grid cells of their head, or input pixels. */
export type BoxUnits = 'grid' | 'pixels';

/** The anchors of a scale [na, 2]: in input pixels, or in grid units (pixels / stride). */
export function anchorsIn(scale: YoloScale, units: BoxUnits, device: string, dtype: torch.DType = 'float32'): Tensor {
  return torch.tidy(() => {
    const pixels = torch.tensor(scale.anchors, { dtype });
    return (units === 'pixels' ? pixels : pixels.div(torch.tensor(strideXY(scale), { dtype }))).to(device as torch.Device);
  });
}

/** Every cell's top-left corner [1, 1, h, w, 2] as (x = column, y = row), grid units. */
export function cellCorners(h: number, w: number, device: string, dtype: torch.DType = 'float32'): Tensor {
  return torch.tidy(() => {
    const o = { dtype, device: device as torch.Device };
    const [gy, gx] = torch.meshgrid([torch.arange(h, undefined, 1, o), torch.arange(w, undefined, 1, o)], 'ij');
    return torch.stack([gx, gy], -1).view([1, 1, h, w, 2]);
  });
}

/** sigmoid(t) · scaleXY − (scaleXY − 1)/2: the box centre's offset in its cell, as darknet decodes. */
export function centreOffset(t: Tensor, scaleXY = 1): Tensor {
  const s = t.sigmoid();
  return scaleXY === 1 ? s : s.mul(scaleXY).sub((scaleXY - 1) / 2);
}

/** anchor · exp(t): the box size, in the anchors' units (`anchors` broadcasts against t). */
export function boxSize(t: Tensor, anchors: Tensor): Tensor {
  return t.exp().mul(anchors);
}

/** Centres and sizes [B, na, h, w, 2] each of every prediction of a raw head [B, na, h, w, ≥ 4]. */
function centresAndSizes(raw: Tensor, scale: YoloScale, units: BoxUnits): [Tensor, Tensor] {
  const [, na, h, w] = raw.shape;
  const [dev, dtype] = [raw.device, raw.dtype];
  let xy = centreOffset(raw.slice(4, 0, 2), scale.scaleXY ?? 1).add(cellCorners(h, w, dev, dtype));
  if (units === 'pixels') xy = xy.mul(torch.tensor(strideXY(scale), { dtype, device: dev as torch.Device }).view([1, 1, 1, 1, 2]));
  const wh = boxSize(raw.slice(4, 2, 4), anchorsIn(scale, units, dev, dtype).view([1, na, 1, 1, 2]));
  return [xy, wh];
}

/** Every prediction's box [B, na, h, w, 4] as (cx, cy, w, h) in the given units, from a raw head [B, na, h, w, 5 + nc]. */
export function decodeBoxes(raw: Tensor, scale: YoloScale, units: BoxUnits): Tensor {
  return torch.tidy(() => torch.cat(centresAndSizes(raw, scale, units), 4));
}

/**
 * What detection reads: a raw head [B, na, h, w, 5 + nc] to [B, na·h·w, 5 + nc]
 * = centre x, y and w, h in input pixels, then objectness and class scores
 * after sigmoid.
 */
export function decodeHead(raw: Tensor, scale: YoloScale): Tensor {
  return torch.tidy(() => {
    const [b, na, h, w, k] = raw.shape;
    const [dev, dtype] = [raw.device, raw.dtype];
    // centresAndSizes' arithmetic in fewer passes: the sigmoid of the whole
    // head into a new tensor, then its xy and wh columns rewritten in place
    // (aten's elementwise ops cost 15-90 us each on these 2-wide slices
    // whatever their size). The depthwise bench cfg's two heads: 744 us
    // against 841 with a cat of three parts (medians of 400 alternating
    // calls); the values within an ulp of those (aten's vectorised sigmoid
    // over the whole head against its strided loop over slices). In-place:
    // not for autograd (detection and val only).
    const out = raw.sigmoid();
    const s = scale.scaleXY ?? 1;
    const xy = out.slice(4, 0, 2);
    if (s !== 1) xy.mul_(s).sub_((s - 1) / 2);
    xy.add_(cellCorners(h, w, dev, dtype)).mul_(torch.tensor(strideXY(scale), { dtype, device: dev as torch.Device }).view([1, 1, 1, 1, 2]));
    out.slice(4, 2, 4).copy_(boxSize(raw.slice(4, 2, 4), anchorsIn(scale, 'pixels', dev, dtype).view([1, na, 1, 1, 2])));
    return out.view([b, na * h * w, k]);
  });
}
