// The libtorch Detector's pre-processing: a batch of images placed as
// preprocess.ts places them (stretched, or letterboxed on grey 0.5), resized
// by the native yolo::resize_rgb_into (native/src/resize_rgb.cpp, the same
// float32 values as resize_rgb.ts bit for bit) straight into one float
// tensor [B, H, W, 3]: channels-last, the layout the fused forward runs
// on, so nothing is copied per image or transposed. Kept apart from
// preprocess.ts, which the browser and the onnxruntime path run without
// libtorch.
import * as torch from '../torch/index.js';
import type { RgbImage } from '../data/image.js';
import { placementFor, type InputGeometry, type Placement, type ResizeMode } from './preprocess.js';

/** Grey 0.5 in the bands of `out` [H, W, 3] around the placed image (the image itself is written after). */
function fillAround(out: torch.Tensor, p: Placement): void {
  const [h, w] = out.shape;
  const band = (t: torch.Tensor, dim: number, from: number, to: number) => { if (to > from) t.slice(dim, from, to).fill_(0.5); };
  band(out, 0, 0, p.top);
  band(out, 0, p.top + p.height, h);
  const rows = out.slice(0, p.top, p.top + p.height);
  band(rows, 1, 0, p.left);
  band(rows, 1, p.left + p.width, w);
}

/** The network input of `images` as a new float32 tensor [B, H, W, 3] (the caller disposes it), and each image's geometry. */
export function prepareBatchTensor(images: RgbImage[], netW: number, netH: number, mode: ResizeMode): { input: torch.Tensor; geometries: InputGeometry[] } {
  const input = torch.empty([images.length, netH, netW, 3]);
  try {
    const geometries = images.map((img, i) => torch.tidy(() => {
      const p = placementFor(img, netW, netH, mode);
      const out = input.select(0, i);
      if (p.grey) fillAround(out, p);
      const src = torch.tensor(img.data, { shape: [img.height, img.width, 3] });
      torch.op('yolo::resize_rgb_into', src, p.width, p.height, out, p.left, p.top);
      return p.geometry;
    }));
    return { input, geometries };
  } catch (e) {
    input.dispose();
    throw e;
  }
}
