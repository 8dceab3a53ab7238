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
import { placementFor, type InputGeometry, type ResizeMode } from './preprocess.js';

/** The network input of `images` as a new float32 tensor [B, H, W, 3] (the caller disposes it), and each image's geometry. */
export function prepareBatchTensor(images: RgbImage[], netW: number, netH: number, mode: ResizeMode): { input: torch.Tensor; geometries: InputGeometry[] } {
  const input = torch.empty([images.length, netH, netW, 3]);
  try {
    const geometries = images.map((img, i) => torch.tidy(() => {
      const p = placementFor(img, netW, netH, mode);
      const src = torch.tensor(img.data, { shape: [img.height, img.width, 3] });
      // letterboxed: grey 0.5 around the image, written by the same op
      torch.op('yolo::resize_rgb_into', src, p.width, p.height, input.select(0, i), p.left, p.top, p.grey ? 0.5 : null);
      return p.geometry;
    }));
    return { input, geometries };
  } catch (e) {
    input.dispose();
    throw e;
  }
}
