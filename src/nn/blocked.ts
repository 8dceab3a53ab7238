// oneDNN's blocked activation layout (nChw8c on AVX2, nChw16c on AVX-512)
// held as a plain contiguous 5-D tensor [N, ceil(C/b), H, W, b], the
// channels past C zero. Why: oneDNN's blocked 3x3 kernels are faster than
// its channels-last ones on AVX2 (native/src/dnnl_conv.cpp), so an
// inference forward keeps activations blocked from one convolution to the
// next (darknet/blocked_layers.ts) and turns them back into [N, C, H, W]
// only where a layer needs that (a yolo head).
import * as torch from '../torch/index.js';
import { toChannelsLast } from './memory_format.js';

type Tensor = torch.Tensor;

let nativeBlock: number | undefined;

/** oneDNN's channel block for this CPU (yolo::dnnl_block_size: 16 with AVX-512, 8 with AVX2), 0 without oneDNN's ops. */
export function nativeBlockSize(): number {
  nativeBlock ??= torch.hasOp('yolo::dnnl_block_size') ? Number(torch.opValue('yolo::dnnl_block_size')) : 0;
  return nativeBlock;
}

/**
 * Above this share of a model's multiply-adds in dense k x k convolutions
 * (darknet/blocked_layers.ts denseKernelShare) AVX-512 keeps channels-last.
 * Measured on a 2-core AVX-512 VM, oneDNN 2.6 (README): yolov3 (dense 3x3
 * almost throughout) 7% slower blocked end to end (348 -> 373 ms median
 * detect calls), its per-layer fastest times level; the depthwise bench cfg
 * (1x1 and depthwise almost throughout) 11.8 against 13.9 ms in its 56
 * convolutions (fastest of 20 forwards each), detect at batch 8 13% faster.
 */
export const DENSE_SHARE_FOR_CHANNELS_LAST = 0.5;

/**
 * The channel block inference forwards keep activations in: 8 on AVX2
 * (measured faster there, dnnl_conv.cpp); 16 on AVX-512 for a model whose
 * multiply-adds are mostly not in dense k x k kernels (`denseShare`, see
 * DENSE_SHARE_FOR_CHANNELS_LAST), else 0 (channels-last throughout).
 * YOLO_DNNL_BLOCK=0 turns it off, 8 or 16 forces that block (oneDNN falls
 * back to channels-last outputs where no fast kernel takes it: 16 on an
 * AVX2 CPU only exercises the fallbacks).
 */
export function blockSize(env: NodeJS.ProcessEnv = process.env, denseShare = 1): number {
  const native = nativeBlockSize();
  const given = env.YOLO_DNNL_BLOCK;
  if (given === undefined || given === '' || native === 0) {
    if (native === 8) return 8;
    return native === 16 && denseShare <= DENSE_SHARE_FOR_CHANNELS_LAST ? 16 : 0;
  }
  if (!['0', '8', '16'].includes(given)) throw new Error(`YOLO_DNNL_BLOCK must be 0, 8 or 16, got '${given}'`);
  return Number(given);
}

/** Whether x is a blocked activation (5-D), not [N, C, H, W]. */
export function isBlocked(x: Tensor): boolean {
  return x.ndim === 5;
}

/** [N, C, H, W] (any strides) to the blocked [N, ceil(C/block), H, W, block], zero past C; a new tensor. */
export function toBlocked(x: Tensor, block: number): Tensor {
  return torch.tidy(() => {
    const [n, c, h, w] = x.shape;
    const blocks = Math.ceil(c / block);
    const padded = blocks * block === c ? x : torch.cat([x, torch.zeros([n, blocks * block - c, h, w])], 1);
    return padded.reshape([n, blocks, block, h, w]).permute([0, 1, 3, 4, 2]).contiguous();
  });
}

/** A blocked x of `channels` channels to a dense channels-last [N, C, H, W]; a new tensor. */
export function fromBlocked(x: Tensor, channels: number): Tensor {
  return torch.tidy(() => {
    const [n, blocks, h, w, block] = x.shape;
    const nhwc = x.permute([0, 2, 3, 1, 4]).reshape([n, h, w, blocks * block]);
    const y = (channels === blocks * block ? nhwc : nhwc.slice(3, 0, channels)).permute([0, 3, 1, 2]);
    return toChannelsLast(y);
  });
}
