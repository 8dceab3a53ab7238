// Channels-last (NHWC strides on an NCHW-shaped tensor): oneDNN convolves it
// without reordering activations to and from its blocked layout at every
// layer, as it must for contiguous NCHW. Shapes and indices stay NCHW.
import * as torch from '../torch/index.js';

/** c10::MemoryFormat::ChannelsLast, as aten::contiguous takes it. */
const CHANNELS_LAST = 2;

/** `x` [N, C, H, W] with channels-last strides (a copy unless it already has them). */
export function toChannelsLast(x: torch.Tensor): torch.Tensor {
  return torch.op('aten::contiguous', x, CHANNELS_LAST);
}

/** Whether `x` [N, C, H, W] lies densely in channels-last order (strides [HWC, 1, WC, C]). */
export function isChannelsLastDense(x: torch.Tensor): boolean {
  if (x.ndim !== 4) return false;
  const [, c, h, w] = x.shape;
  const want = [h * w * c, 1, w * c, c];
  return x.stride().every((s, d) => x.shape[d] === 1 || s === want[d]);
}
