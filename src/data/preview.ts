// A preview image for `data check`: four samples tiled 2x2 (the mosaic
// transform with its centre fixed) with every label drawn in its class
// colour and named, so a user sees at a glance whether labels sit right.

import sharp from 'sharp';
import { loadSample } from './load_sample.js';
import { mosaic4 } from './transforms/mosaic.js';
import { drawBoxes, classColor } from './draw.js';
import { Rng } from './rng.js';
import { escapeXml } from '../util/xml_text.js';
import { firstProblem, type Dataset } from './types.js';
import type { Labeled } from './transforms/types.js';

export interface PreviewOptions {
  /** Tile size: the preview is 2*size square. */
  size?: number;
  /** Picks which samples (0: the first four with labels). */
  seed?: number;
  allowTruncated?: boolean;
}

/** Writes the preview PNG; returns the sample ids shown and the tiled labels. */
export async function writePreview(ds: Dataset, path: string, options: PreviewOptions = {}): Promise<{ imageIds: string[]; preview: Labeled }> {
  const size = options.size ?? 416;
  if (!ds.samples.length) throw new Error(`preview: the dataset ${ds.origin} has no images${firstProblem(ds)}`);
  let picks = ds.samples.map((_, i) => i).filter((i) => ds.samples[i].labels.length > 0);
  if (picks.length < 4) picks = ds.samples.map((_, i) => i);
  if (options.seed) picks = new Rng(options.seed).shuffle([...picks]);
  const chosen = Array.from({ length: 4 }, (_, k) => picks[k % picks.length]);
  const parts = await Promise.all(chosen.map((i) => loadSample(ds.samples[i], { longSide: size, allowTruncated: options.allowTruncated })));
  const tiled = mosaic4(parts, size, new Rng(0), [size, size]);
  const img = drawBoxes({ ...tiled.img, data: tiled.img.data.slice() }, tiled.labels, ds.names.length, 2);
  const W = img.width, H = img.height, l = tiled.labels;
  const texts: string[] = [];
  for (let k = 0; k < l.length; k += 5) {
    const [r, g, b] = classColor(l[k], ds.names.length);
    const x = Math.max(0, (l[k + 1] - l[k + 3] / 2) * W) + 2, y = Math.max(12, (l[k + 2] - l[k + 4] / 2) * H - 2);
    texts.push(`<text x="${x.toFixed(0)}" y="${y.toFixed(0)}" font-family="sans-serif" font-size="12" fill="rgb(${r},${g},${b})" stroke="black" stroke-width="0.4">${escapeXml(ds.names[l[k]] ?? String(l[k]))}</text>`);
  }
  const svg = `<svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${texts.join('')}</svg>`;
  // Class names are drawn by librsvg; without system fonts only the boxes show.
  await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: W, height: H, channels: 3 } })
    .composite([{ input: Buffer.from(svg) }])
    .png()
    .toFile(path);
  return { imageIds: chosen.map((i) => ds.samples[i].imageId), preview: tiled };
}
