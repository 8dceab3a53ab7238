// Mosaic of 4 images (ultralytics' load_mosaic): each resized to long side
// `size`, placed around a random centre on a 2*size grey canvas, labels
// shifted with them and clipped to the canvas. Follow with randomAffine
// (outWidth = outHeight = size) to crop back to size x size.

import { newImage } from '../image.js';
import type { Rng } from '../rng.js';
import { resizeLongSide, blit } from './resize.js';
import { type Labeled, toPixelCorners, fromPixelCorners, concatLabels } from './types.js';

/** Places four samples; `center` overrides the random centre (tests). */
export function mosaic4(parts: Labeled[], size: number, rng: Rng, center?: [number, number], fill = 114): Labeled {
  if (parts.length !== 4) throw new Error(`mosaic4 needs 4 images, got ${parts.length}`);
  const s = size, S = 2 * s;
  const xc = center ? center[0] : Math.floor(rng.uniform(s / 2, (3 * s) / 2));
  const yc = center ? center[1] : Math.floor(rng.uniform(s / 2, (3 * s) / 2));
  const canvas = newImage(S, S, fill);
  const labels: Float32Array[] = [];
  parts.forEach((part, i) => {
    const img = resizeLongSide(part.img, s);
    const w = img.width, h = img.height;
    let a: number[], b: number[];
    if (i === 0) { a = [Math.max(xc - w, 0), Math.max(yc - h, 0), xc, yc]; b = [w - (a[2] - a[0]), h - (a[3] - a[1]), w, h]; }
    else if (i === 1) { a = [xc, Math.max(yc - h, 0), Math.min(xc + w, S), yc]; b = [0, h - (a[3] - a[1]), Math.min(w, a[2] - a[0]), h]; }
    else if (i === 2) { a = [Math.max(xc - w, 0), yc, xc, Math.min(S, yc + h)]; b = [w - (a[2] - a[0]), 0, w, Math.min(a[3] - a[1], h)]; }
    else { a = [xc, yc, Math.min(xc + w, S), Math.min(S, yc + h)]; b = [0, 0, Math.min(w, a[2] - a[0]), Math.min(a[3] - a[1], h)]; }
    const cw = b[2] - b[0], ch = b[3] - b[1];
    if (cw > 0 && ch > 0) blit(img, b[0], b[1], cw, ch, canvas, a[0], a[1]);
    // Boxes move with the image, then are clipped to the visible tile.
    const px = toPixelCorners(part.labels, w, h, a[0] - b[0], a[1] - b[1]);
    for (let k = 0; k < px.length; k += 5) {
      px[k + 1] = Math.max(a[0], Math.min(a[2], px[k + 1])); px[k + 3] = Math.max(a[0], Math.min(a[2], px[k + 3]));
      px[k + 2] = Math.max(a[1], Math.min(a[3], px[k + 2])); px[k + 4] = Math.max(a[1], Math.min(a[3], px[k + 4]));
    }
    labels.push(fromPixelCorners(px, S, S, 1));
  });
  return { img: canvas, labels: concatLabels(labels) };
}
