// A BMP decoder for the common uncompressed forms (24- and 32-bit BI_RGB /
// BI_BITFIELDS with the usual masks, 8-bit palettes), since sharp's libvips
// has no BMP loader. Anything else is an error naming the problem.
import type { RgbImage } from '../data/image.js';

export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

export function decodeBmp(bytes: Uint8Array, name = 'BMP'): RgbImage {
  const fail = (why: string): never => {
    throw new Error(`${name}: cannot read image: ${why}`);
  };
  if (bytes.length < 54) fail('BMP header truncated');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = v.getUint32(10, true);
  const headerSize = v.getUint32(14, true);
  const width = v.getInt32(18, true);
  const rawHeight = v.getInt32(22, true);
  const bpp = v.getUint16(28, true);
  const compression = v.getUint32(30, true);
  if (headerSize < 40) fail(`unsupported BMP header of ${headerSize} bytes`);
  if (width <= 0 || rawHeight === 0) fail(`bad BMP size ${width}x${rawHeight}`);
  if (compression !== 0 && !(compression === 3 && bpp === 32)) fail(`compressed BMP (method ${compression}) is not supported`);
  if (bpp !== 24 && bpp !== 32 && bpp !== 8) fail(`${bpp}-bit BMP is not supported`);
  const height = Math.abs(rawHeight);
  const bottomUp = rawHeight > 0;
  const rowBytes = Math.ceil((width * bpp) / 32) * 4;
  if (dataOffset + rowBytes * height > bytes.length) fail(`BMP data truncated: needs ${dataOffset + rowBytes * height} bytes, has ${bytes.length}`);
  const palette = 14 + headerSize;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (bottomUp ? height - 1 - y : y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      let p: number;
      if (bpp === 8) p = palette + bytes[row + x] * 4;
      else p = row + x * (bpp / 8);
      out[o] = bytes[p + 2]; // stored as B, G, R
      out[o + 1] = bytes[p + 1];
      out[o + 2] = bytes[p];
    }
  }
  return { data: out, width, height };
}
