// Turning a sample into pixels + labels: decode a file (optionally shrunk on
// load, which is much faster for JPEG) or redraw a Shapes image.

import type { RgbImage } from './image.js';
import { decodeImage } from './image.js';
import { renderShapes } from './shapes.js';
import type { Sample } from './types.js';
import type { Labeled } from './transforms/types.js';

export interface LoadOptions {
  /** Resize on decode so the longer side is this (ultralytics' load_image); absent: original size. */
  longSide?: number;
  allowTruncated?: boolean;
}

/** Pixels of a sample (decoded or drawn), with its training labels. */
export async function loadSample(sample: Sample, options: LoadOptions = {}): Promise<Labeled> {
  const src = sample.source;
  let img: RgbImage;
  if (src.kind === 'shapes') img = renderShapes(src.seed, src.index, src.width, src.height, src.params);
  else {
    try {
      img = await decodeImage(src.path, { allowTruncated: options.allowTruncated === true, longSide: options.longSide });
    } catch (e) {
      throw new Error(`cannot decode ${src.path} (corrupt or truncated image): ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { img, labels: sample.labels };
}
