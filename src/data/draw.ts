// Drawing label boxes onto an RGB image (previews, and checking by eye that
// labels sit on their objects).

import type { RgbImage } from './image.js';

/** A distinct colour per class (golden-angle hues). */
export function classColor(cls: number): [number, number, number] {
  const h = (cls * 0.618033988749895) % 1, s = 0.85, v = 1;
  const i = Math.floor(h * 6), f = h * 6 - i, p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  const rgb = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][i % 6];
  return rgb.map((c) => Math.round(c * 255)) as [number, number, number];
}

/** Draws each [cls, x, y, w, h] normalised box as a rectangle outline, in place. */
export function drawBoxes(img: RgbImage, labels: Float32Array, thickness = 2, color?: (cls: number) => [number, number, number]): RgbImage {
  const { width: W, height: H, data } = img;
  const put = (x: number, y: number, c: number[]) => {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    const i = (y * W + x) * 3;
    data[i] = c[0]; data[i + 1] = c[1]; data[i + 2] = c[2];
  };
  for (let k = 0; k < labels.length; k += 5) {
    const c = (color ?? classColor)(labels[k]);
    const x1 = Math.round((labels[k + 1] - labels[k + 3] / 2) * W), x2 = Math.round((labels[k + 1] + labels[k + 3] / 2) * W) - 1;
    const y1 = Math.round((labels[k + 2] - labels[k + 4] / 2) * H), y2 = Math.round((labels[k + 2] + labels[k + 4] / 2) * H) - 1;
    for (let t = 0; t < thickness; t++) {
      for (let x = x1; x <= x2; x++) { put(x, y1 + t, c); put(x, y2 - t, c); }
      for (let y = y1; y <= y2; y++) { put(x1 + t, y, c); put(x2 - t, y, c); }
    }
  }
  return img;
}
