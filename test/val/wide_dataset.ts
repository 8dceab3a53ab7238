// A one-image YOLO dataset for evaluation tests: a 128 x 64 red image with
// one 'square' box of 32 x 32 px in the middle (pixels 48..80 x 16..48).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** Writes the dataset under `root`; returns its data.yaml (train and val are the same image). */
export async function wideImageDataset(root: string): Promise<string> {
  mkdirSync(join(root, 'images'), { recursive: true });
  mkdirSync(join(root, 'labels'), { recursive: true });
  await sharp({ create: { width: 128, height: 64, channels: 3, background: { r: 200, g: 0, b: 0 } } }).png().toFile(join(root, 'images', 'wide.png'));
  writeFileSync(join(root, 'labels', 'wide.txt'), '1 0.5 0.5 0.25 0.5\n');
  writeFileSync(join(root, 'data.yaml'), 'path: .\ntrain: images\nval: images\nnames: [circle, square, triangle]\n');
  return join(root, 'data.yaml');
}
