// Reads an image for detection: any format sharp decodes (JPEG, PNG, WebP,
// BMP via libvips' loaders, ...), turned upright by its EXIF orientation, as RGB
// (the stored values: an embedded ICC profile is not applied).
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import type { RgbPixels } from './preprocess.js';
import { decodeBmp, isBmp } from './bmp.js';

export async function loadImage(source: string | Buffer): Promise<RgbPixels> {
  const name = typeof source === 'string' ? source : 'image buffer';
  let bytes: Buffer;
  try {
    bytes = typeof source === 'string' ? readFileSync(source) : source;
  } catch (e) {
    throw new Error(`${name}: cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (isBmp(bytes)) return decodeBmp(bytes, name);
  try {
    // ignoreIcc: the stored pixel values, as darknet and OpenCV (cv2.imread) read them; by default
    // sharp converts an image with an embedded profile (e.g. COCO's 000000000025.jpg) to sRGB
    const { data, info } = await sharp(bytes, { failOn: 'error', ignoreIcc: true })
      .rotate() // applies EXIF orientation
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (e) {
    const reason = (e as Error).message.replace(/^Input (file|buffer) /, '');
    throw new Error(`${name}: cannot read image: ${reason}`);
  }
}
