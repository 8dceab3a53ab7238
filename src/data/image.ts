// RGB images: the pixel type, the one decode (sharp) to RGB HWC uint8 used by
// data, evaluation and detection, header probes, the JPEG end-marker check for
// truncated files, PNG writing; the conversion to the network's CHW floats
// (chw.ts) is re-exported here.

import sharp from 'sharp';
import { open } from 'node:fs/promises';

export { toCHWFloat } from './chw.js';

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

/**
 * sharp's error message on one line: libvips appends one line per decoder
 * warning, often the same one several times; each is kept once (dropped
 * when an earlier line already says it), joined by '; ', and the leading
 * 'Input file ' / 'Input buffer ' goes.
 */
export function sharpReason(e: unknown): string {
  const kept: string[] = [];
  for (const line of (e as Error).message.split('\n').map((l) => l.trim())) if (line && !kept.some((k) => k.includes(line))) kept.push(line);
  return kept.join('; ').replace(/^Input (file|buffer) /, '');
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
  /** sharp's failOn; default 'warning' ('none' with allowTruncated). */
  failOn?: 'none' | 'warning' | 'error';
  /** Shrink on decode so the longer side is this (ultralytics' load_image; much faster for JPEG); absent: original size. */
  longSide?: number;
  /** Turn the image upright by its EXIF orientation (detection); training data keeps the stored pixels its labels refer to. */
  upright?: boolean;
}

/**
 * The one decode to RGB for training data, evaluation and detection: any
 * format sharp reads (grey and alpha images become RGB). No EXIF rotation
 * unless `upright`: labels refer to stored pixels.
 */
export async function decodeImage(input: string | Buffer, options: DecodeOptions = {}): Promise<RgbImage> {
  const failOn = options.failOn ?? (options.allowTruncated ? 'none' : 'warning');
  // ignoreIcc: the stored pixel values, as darknet and OpenCV (cv2.imread) read them; by default
  // sharp converts an image with an embedded profile (e.g. COCO's 000000000025.jpg) to sRGB
  let pipeline = sharp(input, { failOn, ignoreIcc: true });
  if (options.upright) pipeline = pipeline.rotate(); // applies EXIF orientation
  pipeline = pipeline.removeAlpha().toColourspace('srgb');
  if (options.longSide) pipeline = pipeline.resize({ width: options.longSide, height: options.longSide, fit: 'inside', kernel: 'linear' });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  const name = typeof input === 'string' ? input : 'image buffer';
  if (info.channels !== 3) throw new Error(`${name}: expected 3 channels after conversion, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Writes an RGB image as PNG. */
export async function writePng(img: RgbImage, path: string): Promise<void> {
  await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
  }).png().toFile(path);
}
