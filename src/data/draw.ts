// Class colours (darknet's, for detections and labels alike) and drawing
// label boxes onto an RGB image (previews, and checking by eye that labels sit
// on their objects).

import type { RgbImage } from './image.js';

const PALETTE = [[1, 0, 1], [0, 0, 1], [0, 1, 1], [0, 1, 0], [1, 1, 0], [1, 0, 0]];

/** darknet's get_color: interpolates its 6-colour palette, channel c of class x out of max. */
function darknetColor(c: number, x: number, max: number): number {
  let ratio = (x / max) * 5;
  const i = Math.floor(ratio);
  const j = Math.ceil(ratio);
  ratio -= i;
  return (1 - ratio) * PALETTE[i][c] + ratio * PALETTE[j][c];
}

/** The colour of a class out of `classes`, as darknet's draw_detections chooses it (detections and label previews alike). */
export function classColor(classId: number, classes: number): [number, number, number] {
  const offset = (classId * 123457) % Math.max(classes, 1);
  return [2, 1, 0].map((c) => Math.round(255 * darknetColor(c, offset, Math.max(classes, 1)))) as [number, number, number];
}

/** Draws each [cls, x, y, w, h] normalised box as a rectangle outline in its class colour (of `classes`), in place. */
export function drawBoxes(img: RgbImage, labels: Float32Array, classes: number, thickness = 2): RgbImage {
  const { width: W, height: H, data } = img;
  const put = (x: number, y: number, c: number[]) => {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    const i = (y * W + x) * 3;
    data[i] = c[0]; data[i + 1] = c[1]; data[i + 2] = c[2];
  };
  for (let k = 0; k < labels.length; k += 5) {
    const c = classColor(labels[k], classes);
    const x1 = Math.round((labels[k + 1] - labels[k + 3] / 2) * W), x2 = Math.round((labels[k + 1] + labels[k + 3] / 2) * W) - 1;
    const y1 = Math.round((labels[k + 2] - labels[k + 4] / 2) * H), y2 = Math.round((labels[k + 2] + labels[k + 4] / 2) * H) - 1;
    for (let t = 0; t < thickness; t++) {
      for (let x = x1; x <= x2; x++) { put(x, y1 + t, c); put(x, y2 - t, c); }
      for (let y = y1; y <= y2; y++) { put(x1 + t, y, c); put(x2 - t, y, c); }
    }
  }
  return img;
}
