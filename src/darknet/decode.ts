// YOLO heads: darknet's [yolo] channel layout to the seed's [B, na, h, w, 5+nc],
// and decoding raw heads to boxes in input pixels (darknet's get_yolo_box).
import * as torch from '../torch/index.js';

type Tensor = torch.Tensor;

export interface HeadInfo {
  /** Index of the [yolo] layer in the cfg. */
  layer: number;
  /** The anchors of this head (after the mask), [w, h] in input pixels. */
  anchors: [number, number][];
  /** The cfg's anchor indices of this head. */
  mask: number[];
  classes: number;
  scaleXY: number;
}

/** [B, na*(5+nc), h, w] (darknet's channel order) to [B, na, h, w, 5+nc]. */
export function headLayout(x: Tensor, na: number): Tensor {
  return torch.tidy(() => {
    const [b, c, h, w] = x.shape;
    return x.reshape([b, na, c / na, h, w]).permute([0, 1, 3, 4, 2]).contiguous();
  });
}

/** What darknet's [yolo] layer outputs: sigmoid on x, y, objectness and classes, in darknet's layout. */
export function darknetYoloOutput(raw: Tensor): Tensor {
  return torch.tidy(() => {
    const [b, na, h, w, k] = raw.shape;
    const act = torch.cat([raw.slice(4, 0, 2).sigmoid(), raw.slice(4, 2, 4), raw.slice(4, 4, k).sigmoid()], 4);
    return act.permute([0, 1, 4, 2, 3]).reshape([b, na * k, h, w]);
  });
}

/**
 * Raw head [B, na, h, w, 5+nc] to boxes [B, na*h*w, 5+nc]: centre x, y and
 * w, h in pixels of an inputWidth x inputHeight image, then objectness and
 * class scores after sigmoid.
 */
export function decodeHead(raw: Tensor, head: HeadInfo, inputWidth: number, inputHeight: number): Tensor {
  return torch.tidy(() => {
    const [b, na, h, w, k] = raw.shape;
    const o = { dtype: 'float32' as const, device: raw.device as torch.Device }; // constants live where the head is
    const [gy, gx] = torch.meshgrid([torch.arange(h, undefined, 1, o), torch.arange(w, undefined, 1, o)], 'ij');
    const grid = torch.stack([gx, gy], -1).view([1, 1, h, w, 2]);
    const stride = torch.tensor([inputWidth / w, inputHeight / h], o).view([1, 1, 1, 1, 2]);
    const anchors = torch.tensor(head.anchors.flat(), o).view([1, na, 1, 1, 2]);
    const s = head.scaleXY;
    let xy = raw.slice(4, 0, 2).sigmoid();
    if (s !== 1) xy = xy.mul(s).sub((s - 1) / 2);
    xy = xy.add(grid).mul(stride);
    const wh = raw.slice(4, 2, 4).exp().mul(anchors);
    const conf = raw.slice(4, 4, k).sigmoid();
    return torch.cat([xy, wh, conf], 4).view([b, na * h * w, k]);
  });
}
