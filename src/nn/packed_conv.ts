// Inference convolution with its weight prepacked once in oneDNN's own
// layout (mkldnn_prepacked::conv2d_prepack, chosen for the input's shape),
// instead of reordered from the tensor's layout at every call as
// aten::mkldnn_convolution does: on yolov3 at batch 1 the weights (250 MB)
// are read and rewritten each forward (1-thread forward CPU 316-321 ->
// 283-285 ms packed, this libtorch 1.13 build). Only dense convolutions
// with a kernel above 1x1 are packed: for 1x1 and depthwise ones the op
// packs for a contiguous input, and oneDNN reorders that again for
// channels-last at every call (DNNL_VERBOSE=1 shows it), so packing would
// only hold a second copy of their weights. The packed copy sits beside
// the folded weight (yolov3 inference RSS 893 -> 1083 MB). The output is
// as inferenceConv2d's (channels-last in, channels-last out). A libtorch
// without the op, or a non-CPU or non-float32 input, falls back to
// inferenceConv2d.
import * as torch from '../torch/index.js';
import { inferenceConv2d } from './conv.js';
import { toChannelsLast } from './memory_format.js';

type Tensor = torch.Tensor;

export interface ConvGeometry {
  stride: number;
  padding: number;
  groups: number;
}

let prepackWorks = true;

/** One conv's prepacked weight, rebuilt when the weight tensor or the input shape changes; owned here. */
export class PackedConv {
  #weight: Tensor | null = null;
  #shape = '';
  #context: torch.ScriptObject | null = null;

  /** conv(x) with `weight` [out, in/groups, k, k] and `bias` (the caller keeps both alive while they are in use here). */
  forward(x: Tensor, weight: Tensor, bias: Tensor | null, o: ConvGeometry): Tensor {
    const context = this.#contextFor(x, weight, bias, o);
    if (!context) return inferenceConv2d(x, weight, bias, o);
    // conv2d_run reads the input's memory as dense: a view (a route's channel group) is copied first
    const dense = toChannelsLast(x);
    try {
      return torch.op('mkldnn_prepacked::conv2d_run', dense, context);
    } finally {
      dense.dispose();
    }
  }

  #contextFor(x: Tensor, weight: Tensor, bias: Tensor | null, o: ConvGeometry): torch.ScriptObject | null {
    if (!prepackWorks || o.groups !== 1 || weight.shape[2] * weight.shape[3] === 1 || x.device !== 'cpu' || x.dtype !== 'float32') return null;
    const shape = x.shape.join(',');
    if (this.#context && this.#weight === weight && this.#shape === shape) return this.#context;
    this.dispose();
    try {
      this.#context = torch.opObject('mkldnn_prepacked::conv2d_prepack', weight, bias, [o.stride, o.stride], [o.padding, o.padding], [1, 1], o.groups, x.shape, 'none');
    } catch {
      prepackWorks = false; // a libtorch without oneDNN's prepacked ops: the unpacked conv from now on
      return null;
    }
    this.#weight = weight;
    this.#shape = shape;
    return this.#context;
  }

  /** Frees the packed weight (the next forward packs again). */
  dispose(): void {
    this.#context?.dispose();
    this.#context = null;
    this.#weight = null;
    this.#shape = '';
  }
}
