// Images in the browser as the Node side reads them (detect/load_image.ts):
// upright by their EXIF orientation, the stored colour values (no colour
// profile applied, as sharp with ignoreIcc), RGB without alpha.
import type { RgbImage } from '../../data/image.js';

/** The RGB pixels of anything a canvas draws (an ImageBitmap, a video frame), at width x height. */
export function rgbPixels(source: CanvasImageSource, width: number, height: number): RgbImage {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser has no 2D canvas');
  ctx.drawImage(source, 0, 0, width, height);
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const data = new Uint8Array(width * height * 3);
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
    data[q] = rgba[p];
    data[q + 1] = rgba[p + 1];
    data[q + 2] = rgba[p + 2];
  }
  return { data, width, height };
}

/** An image file (a fetched or picked Blob) decoded: its bitmap to draw and its pixels to detect on. */
export async function decodeBlob(blob: Blob, name: string): Promise<{ bitmap: ImageBitmap; image: RgbImage }> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', imageOrientation: 'from-image', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new Error(`${name}: cannot read image: ${(e as Error).message}`);
  }
  return { bitmap, image: rgbPixels(bitmap, bitmap.width, bitmap.height) };
}
