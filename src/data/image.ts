// Image decode (sharp) to RGB HWC uint8, header probes, the JPEG end-marker
// check for truncated files, and conversions used at collate time.

import sharp from 'sharp';
import { open } from 'node:fs/promises';

/** RGB pixels, row-major HWC, 3 bytes per pixel. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export function newImage(width: number, height: number, fill = 114): RgbImage {
  return { data: new Uint8Array(width * height * 3).fill(fill), width, height };
}

export interface ImageInfo {
  width: number;
  height: number;
  format: string;
  /** A JPEG whose data ends before its end-of-image marker. */
  truncated: boolean;
}

async function jpegEndsCleanly(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const n = Math.min(size, 64);
    const buf = Buffer.alloc(n);
    await fh.read(buf, 0, n, size - n);
    // Trailing bytes after FFD9 occur in real files; look near the end, not only at it.
    for (let i = n - 2; i >= 0; i--) if (buf[i] === 0xff && buf[i + 1] === 0xd9) return true;
    return false;
  } finally {
    await fh.close();
  }
}

/** Reads the header (cheap); throws when the file is not an image sharp can read. */
export async function probeImage(path: string): Promise<ImageInfo> {
  const m = await sharp(path).metadata();
  if (!m.width || !m.height) throw new Error(`cannot read image size of ${path}`);
  let truncated = false;
  if (m.format === 'jpeg' && !(await jpegEndsCleanly(path))) {
    // Confirm by decoding: sharp (libvips) fails on "premature end of JPEG".
    truncated = await sharp(path).raw().toBuffer().then(() => false, () => true);
  }
  return { width: m.width, height: m.height, format: m.format ?? 'unknown', truncated };
}

export interface DecodeOptions {
  /** Decode truncated JPEGs as libjpeg does (missing rows grey) instead of failing. */
  allowTruncated?: boolean;
}

/** Decodes any format sharp reads to RGB (grey and alpha images become RGB). No EXIF rotation: labels refer to stored pixels. */
export async function decodeImage(path: string, options: DecodeOptions = {}): Promise<RgbImage> {
  // ignoreIcc: the stored values, as darknet, cv2.imread and detection (src/detect/load_image.ts) read them
  const { data, info } = await sharp(path, { failOn: options.allowTruncated ? 'none' : 'warning', ignoreIcc: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${path}: expected 3 channels after conversion, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Writes an RGB image as PNG. */
export async function writePng(img: RgbImage, path: string): Promise<void> {
  await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
  }).png().toFile(path);
}

/** HWC uint8 to CHW float32 in 0..1, written into `out` at `offset` (allocated when absent). */
export function toCHWFloat(img: RgbImage, out?: Float32Array, offset = 0): Float32Array {
  const plane = img.width * img.height;
  const dst = out ?? new Float32Array(plane * 3);
  const src = img.data;
  const r = offset, g = offset + plane, b = offset + 2 * plane;
  for (let p = 0, s = 0; p < plane; p++, s += 3) {
    dst[r + p] = src[s] / 255;
    dst[g + p] = src[s + 1] / 255;
    dst[b + p] = src[s + 2] / 255;
  }
  return dst;
}
