// All heads of one forward decoded into one tensor [B, N, 5 + nc], N the
// sum of na·h·w over the heads: what detection and val read. On the CPU in
// float32, each head is decoded by the native
// yolo::decode_head_into (native/src/decode_head.cpp: decodeHead's
// arithmetic in one pass, written straight into its rows of the output, no
// cat); otherwise decodeHead's aten ops, then a cat. Neither is for
// autograd (decodeHead rewrites its sigmoid in place): detection and val.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { decodeHead } from './decode.js';
import { strideXY, type YoloScale } from './scale.js';

let nativeDecode: boolean | undefined;

/** Whether the native decode takes these heads: float32 CPU tensors off the autograd graph (aten's sigmoid_out refuses the others). */
function nativeTakes(raws: Tensor[]): boolean {
  nativeDecode ??= torch.hasOp('yolo::decode_head_into');
  return nativeDecode && raws.every((r) => r.dtype === 'float32' && r.device === 'cpu' && !(r.requiresGrad && torch.isGradEnabled()));
}

/** Raw heads [B, na, h, w, 5 + nc] (one per scale) to decoded boxes [B, N, 5 + nc] in input pixels, as decodeHead each, concatenated. */
export function decodeHeads(raws: Tensor[], scales: YoloScale[]): Tensor {
  if (raws.length !== scales.length) throw new RangeError(`decodeHeads: ${raws.length} heads but ${scales.length} scales`);
  if (raws.length === 0) throw new RangeError('decodeHeads: no heads');
  if (!nativeTakes(raws)) return torch.tidy(() => torch.cat(raws.map((raw, i) => decodeHead(raw, scales[i])), 1));
  const [b, , , , k] = raws[0].shape;
  raws.forEach((r, i) => {
    if (r.ndim !== 5 || r.shape[0] !== b || r.shape[4] !== k) throw new RangeError(`decodeHeads: head ${i} is [${r.shape}], head 0 [${raws[0].shape}]: expected [${b}, na, h, w, ${k}]`);
  });
  const rows = raws.map((r) => r.shape[1] * r.shape[2] * r.shape[3]);
  const out = torch.empty([b, rows.reduce((p, q) => p + q, 0), k]);
  try {
    let start = 0;
    raws.forEach((raw, i) => {
      const s = scales[i];
      const [sx, sy] = strideXY(s);
      torch.tidy(() => {
        torch.op('yolo::decode_head_into', raw, out.slice(1, start, start + rows[i]), s.anchors.flat(), sx, sy, s.scaleXY ?? 1);
      });
      start += rows[i];
    });
    return out;
  } catch (e) {
    out.dispose();
    throw e;
  }
}
