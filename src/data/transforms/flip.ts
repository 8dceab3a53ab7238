// Horizontal flip: mirror the pixels, x -> 1 - x.

import { type Labeled } from './types.js';

export function flipHorizontal(input: Labeled): Labeled {
  const { width: W, height: H, data } = input.img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < H; y++) {
    const row = y * W * 3;
    for (let x = 0; x < W; x++) {
      const s = row + x * 3, d = row + (W - 1 - x) * 3;
      out[d] = data[s]; out[d + 1] = data[s + 1]; out[d + 2] = data[s + 2];
    }
  }
  const labels = input.labels.slice();
  for (let i = 0; i < labels.length; i += 5) labels[i + 1] = 1 - labels[i + 1];
  return { img: { data: out, width: W, height: H }, labels };
}
