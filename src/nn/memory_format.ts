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
