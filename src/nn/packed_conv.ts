// Inference convolution with its weight packed once, for one input shape,
// and its activation applied in the same pass where it can be.
// First choice: oneDNN driven directly (yolo::dnnl_conv_prepack/_run,
// native/src/dnnl_conv.cpp): every convolution (1x1, grouped, k x k)
// packed once, leaky/relu (and a shortcut's add) fused as oneDNN post-ops
// where a JIT kernel takes them (else run as separate passes after it, in
// dnnl_conv.cpp), channels-last in and out. On yolov3 at batch 1 its 75 convolutions take 133 ms against 163 ms
// through aten (2 threads, measured with a C++ loop over the cfg's
// shapes); on the depthwise bench cfg 11.7 against 17.9 ms.
// Fallback (an addon built without oneDNN's headers): libtorch's
// mkldnn_prepacked::conv2d_prepack for dense k x k convolutions (it packs
// 1x1 and depthwise ones for a contiguous input, and oneDNN reorders that
// again for channels-last at every call, so those take inferenceConv2d),
// then the activation as its own in-place pass. A non-CPU or non-float32
// input takes inferenceConv2d.
import * as torch from '../torch/index.js';
import { inferenceConv2d } from './conv.js';
import { isChannelsLastDense, toChannelsLast } from './memory_format.js';
import { isBlocked, fromBlocked } from './blocked.js';

type Tensor = torch.Tensor;

export interface ConvGeometry {
  stride: number;
  padding: number;
  groups: number;
}

/** The activations a packed convolution applies itself (fused where oneDNN is built in). */
export type PackedActivation = { kind: 'linear' } | { kind: 'relu' } | { kind: 'leaky'; slope: number };

const LINEAR: PackedActivation = { kind: 'linear' };

/** Which packing this libtorch has: yolo's own oneDNN ops, libtorch's prepacked ops, or none; found at first use. */
let packing: 'dnnl' | 'prepacked' | 'none' | undefined;

function availablePacking(): 'dnnl' | 'prepacked' | 'none' {
  // prepacked until a prepack fails (#contextFor)
  if (packing === undefined) packing = torch.hasOp('yolo::dnnl_conv_prepack') ? 'dnnl' : 'prepacked';
  return packing;
}

/** The activation as its own in-place pass on the conv's new output y. */
function activateInPlace(y: Tensor, a: PackedActivation): Tensor {
  if (a.kind === 'leaky') return torch.opInPlace(y, 'aten::leaky_relu_', a.slope);
  if (a.kind === 'relu') return torch.opInPlace(y, 'aten::relu_');
  return y;
}

/** One conv's packed weight, rebuilt when the weight tensor, the input shape or the activation changes; owned here. */
export class PackedConv {
  #weight: Tensor | null = null;
  #key = '';
  #context: torch.ScriptObject | null = null;
  #fused = false;

  /**
   * activation(conv(x)) with `weight` [out, in/groups, k, k] and `bias`
   * (the caller keeps both alive while they are in use here); a new tensor.
   * x may be blocked (nn/blocked.ts: oneDNN's ops only); with
   * `outputBlock` (8 or 16) the output is blocked where oneDNN has a fast
   * kernel for it, else (and always without) [N, C, H, W] channels-last.
   */
  forward(x: Tensor, weight: Tensor, bias: Tensor | null, o: ConvGeometry, activation: PackedActivation = LINEAR, outputBlock = 0): Tensor {
    const context = this.#contextFor(x, weight, bias, o, activation, false, outputBlock);
    if (!context) return activateInPlace(inferenceConv2d(x, weight, bias, o), activation);
    if (this.#fused) {
      const y = torch.op('yolo::dnnl_conv_run', x, context);
      if (outputBlock || !isBlocked(y)) return y;
      // oneDNN wrote blocked where no fast kernel writes channels-last from a blocked input (dnnl_conv.cpp)
      try {
        return fromBlocked(y, weight.shape[0]);
      } finally {
        y.dispose();
      }
    }
    // conv2d_run reads the input's memory as dense: a view (a route's channel group) is copied first
    const dense = toChannelsLast(x);
    try {
      return activateInPlace(torch.op('mkldnn_prepacked::conv2d_run', dense, context), activation);
    } finally {
      dense.dispose();
    }
  }

  /**
   * into += activation(conv(x)) in the same pass (a residual add), where
   * oneDNN is built in and `into` is a dense channels-last float32 tensor
   * of the output's shape, or a blocked one (nn/blocked.ts) that oneDNN
   * can write; returns `into` as a new handle, or null when it cannot (the
   * caller then runs forward and adds).
   */
  forwardInto(x: Tensor, weight: Tensor, bias: Tensor | null, o: ConvGeometry, activation: PackedActivation, into: Tensor): Tensor | null {
    const block = isBlocked(into) ? into.shape[4] : 0;
    if (availablePacking() !== 'dnnl' || into.device !== 'cpu' || into.dtype !== 'float32' || !(block ? into.isContiguous() : isChannelsLastDense(into))) return null;
    const [n, , h, w] = x.shape;
    const [out, , kh, kw] = weight.shape;
    const size = (v: number, k: number) => Math.floor((v + 2 * o.padding - k) / o.stride) + 1;
    const dims = block ? [n, Math.ceil(out / block), size(h, kh), size(w, kw), block] : [n, out, size(h, kh), size(w, kw)];
    if (into.shape.join() !== dims.join()) return null;
    const context = this.#contextFor(x, weight, bias, o, activation, true, block);
    // oneDNN may have no fast kernel writing that layout (it then writes channels-last)
    if (!context || Number(torch.opValue('yolo::dnnl_conv_output_block', context)) !== block) return null;
    return torch.op('yolo::dnnl_conv_run_into', x, context, into);
  }

  #contextFor(x: Tensor, weight: Tensor, bias: Tensor | null, o: ConvGeometry, a: PackedActivation, accumulate: boolean, outputBlock: number): torch.ScriptObject | null {
    const kind = availablePacking();
    const inputBlock = isBlocked(x) ? x.shape[4] : 0;
    if ((inputBlock || outputBlock) && kind !== 'dnnl') throw new Error('PackedConv: blocked layouts need the oneDNN ops (nn/blocked.ts blockSize)');
    if (kind === 'none' || x.device !== 'cpu' || x.dtype !== 'float32') return null;
    if (kind === 'prepacked' && (o.groups !== 1 || weight.shape[2] * weight.shape[3] === 1)) return null;
    const key = `${x.shape.join(',')}|${a.kind}|${a.kind === 'leaky' ? a.slope : ''}|${accumulate}|${outputBlock}`;
    if (this.#context && this.#weight === weight && this.#key === key) return this.#context;
    this.dispose();
    const stride = [o.stride, o.stride];
    const padding = [o.padding, o.padding];
    try {
      this.#context = kind === 'dnnl'
        ? torch.opObject('yolo::dnnl_conv_prepack', weight, bias, stride, padding, o.groups, inputBlock ? [x.shape[0], weight.shape[1] * o.groups, x.shape[2], x.shape[3]] : x.shape,
          a.kind, a.kind === 'leaky' ? a.slope : 0, accumulate, inputBlock, outputBlock)
        : torch.opObject('mkldnn_prepacked::conv2d_prepack', weight, bias, stride, padding, [1, 1], o.groups, x.shape, 'none');
    } catch (e) {
      if (kind === 'dnnl') throw e; // our own op refusing is a bug to see, not a fallback
      packing = 'none'; // a libtorch without oneDNN's prepacked ops: the unpacked conv from now on
      return null;
    }
    this.#fused = kind === 'dnnl';
    this.#weight = weight;
    this.#key = key;
    return this.#context;
  }

  /** Frees the packed weight (the next forward packs again). */
  dispose(): void {
    this.#context?.dispose();
    this.#context = null;
    this.#weight = null;
    this.#key = '';
  }
}
