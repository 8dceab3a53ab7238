// Reads an image for detection: any format sharp decodes (JPEG, PNG, WebP,
// BMP via bmp.ts, ...), turned upright by its EXIF orientation, as RGB
// (the stored values: an embedded ICC profile is not applied; see decodeImage).
import { readFileSync } from 'node:fs';
import { decodeImage, sharpReason, type RgbImage } from '../data/image.js';
import { decodeBmp, isBmp } from './bmp.js';

export async function loadImage(source: string | Buffer): Promise<RgbImage> {
  const name = typeof source === 'string' ? source : 'image buffer';
  let bytes: Buffer;
  try {
    bytes = typeof source === 'string' ? readFileSync(source) : source;
  } catch (e) {
    throw new Error(`${name}: cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (isBmp(bytes)) return decodeBmp(bytes, name);
  try {
    return await decodeImage(bytes, { failOn: 'error', upright: true });
  } catch (e) {
    throw new Error(`${name}: cannot read image: ${sharpReason(e)}`);
  }
}
