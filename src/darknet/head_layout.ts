// Darknet's [yolo] layers: what the cfg says about each head, and darknet's
// channel layout to and from the seed's [B, na, h, w, 5+nc]. Decoding raw
// heads to boxes is src/yolo/decode.ts (darknet's get_yolo_box).
import * as torch from '../torch/index.js';
import type { YoloScale } from '../yolo/scale.js';

type Tensor = torch.Tensor;

/**
 * A [yolo] layer of the cfg: where it sits and what it predicts, with the
 * head's geometry (anchors in input pixels, scaleXY) apart from the stride,
 * which follows the input size (Darknet.strides, yolo's yoloScales).
 */
export interface HeadInfo extends Omit<YoloScale, 'stride'> {
  /** Index of the [yolo] layer in the cfg. */
  layer: number;
  /** The cfg's anchor indices of this head. */
  mask: number[];
  classes: number;
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
