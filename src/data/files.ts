// Finding images and their label files on disk (ultralytics and darknet
// layouts), and turning image paths into verified samples.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { probeImage, sharpReason } from './image.js';
import { EMPTY_LABELS, Reporter, type ReadOptions, type Sample } from './types.js';
import { parseYoloLabels } from './labels.js';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.gif']);

export function isImageFile(p: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(p).toLowerCase());
}

function walk(dir: string, keep: (p: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, keep));
    else if (keep(p)) out.push(p);
  }
  return out;
}

/**
 * Image paths named by `spec`: a folder (searched recursively), a `.txt` list
 * of image paths (relative ones resolve against the list's folder, as
 * ultralytics does, then `baseDir`), or a single image. Listed paths that do
 * not exist are reported.
 */
export function listImages(spec: string, baseDir: string, reporter: Reporter): string[] {
  const p = resolve(baseDir, spec);
  if (!existsSync(p)) {
    reporter.note({ kind: 'config', file: p, message: 'image folder or list does not exist' });
    return [];
  }
  if (statSync(p).isDirectory()) return walk(p, isImageFile).sort();
  if (extname(p).toLowerCase() === '.txt') {
    const out: string[] = [];
    let listed = 0;
    readFileSync(p, 'utf8').split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      listed++;
      const cands = line.startsWith('/') ? [line] : [resolve(dirname(p), line), resolve(baseDir, line), resolve(line)];
      const found = cands.find((c) => existsSync(c));
      if (found) out.push(found);
      else reporter.note({ kind: 'missing-image', file: p, line: i + 1, message: `listed image not found: ${line}` });
    });
    if (listed === 0) reporter.note({ kind: 'config', file: p, message: 'image list is empty' });
    return out;
  }
  return [p];
}

/** The label file of an image: the last `/images/` (or darknet's `/JPEGImages/`) becomes `/labels/`, extension `.txt`. */
export function labelPathFor(imagePath: string): string {
  const noExt = imagePath.slice(0, imagePath.length - extname(imagePath).length) + '.txt';
  for (const dir of ['images', 'JPEGImages']) {
    const key = `${sep}${dir}${sep}`;
    const k = noExt.lastIndexOf(key);
    if (k >= 0) return noExt.slice(0, k) + `${sep}labels${sep}` + noExt.slice(k + key.length);
  }
  return noExt; // label next to the image
}

/**
 * Label files in the label folders of `images` whose image does not exist:
 * reported once each. A label whose image exists but is not listed (a
 * `.txt` list naming a subset) is not an orphan and is not reported.
 */
export function reportOrphanLabels(images: string[], reporter: Reporter): void {
  const expected = new Set(images.map(labelPathFor));
  // label folder -> the image folders whose labels live there
  const imageDirsOf = new Map<string, Set<string>>();
  for (const img of images) {
    const d = dirname(labelPathFor(img));
    if (!imageDirsOf.has(d)) imageDirsOf.set(d, new Set());
    imageDirsOf.get(d)!.add(dirname(img));
  }
  for (const [d, imageDirs] of imageDirsOf) {
    if (!existsSync(d)) continue;
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (extname(e) !== '.txt' || expected.has(p)) continue;
      if ([...imageDirs].some((dir) => hasImageWithStem(dir, basename(e, '.txt')))) continue;
      if (imageDirs.has(d)) continue; // a stray .txt next to the images (a list, a README) is not a label
      reporter.note({ kind: 'orphan-label', file: p, message: 'label file has no image; skipped' });
    }
  }
}

function hasImageWithStem(dir: string, stem: string): boolean {
  return [...IMAGE_EXTENSIONS].some((x) => existsSync(join(dir, stem + x)) || existsSync(join(dir, stem + x.toUpperCase())));
}

/** Runs `fn` over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const run = async () => { while (next < items.length) { const i = next++; out[i] = await fn(items[i], i); } };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

/**
 * Probes an image and reports it when unreadable or truncated (unless
 * allowed); returns its size or null when the image must be skipped.
 */
export async function verifyImage(path: string, options: ReadOptions, reporter: Reporter): Promise<{ width: number; height: number } | null> {
  try {
    const info = await probeImage(path);
    if (info.truncated) {
      const kept = options.allowTruncated === true;
      reporter.note({ kind: 'truncated-image', file: path, message: `truncated JPEG (premature end of data); ${kept ? 'decoded with grey fill' : 'skipped'}` });
      if (!kept) return null;
    }
    return { width: info.width, height: info.height };
  } catch (e) {
    reporter.note({ kind: 'corrupt-image', file: path, message: `cannot read image: ${sharpReason(e)}; skipped` });
    return null;
  }
}

/** YOLO-txt samples for image paths: labels read and validated, images verified. */
export async function yoloSamples(images: string[], nc: number, options: ReadOptions, reporter: Reporter): Promise<Sample[]> {
  reportOrphanLabels(images, reporter);
  const all = await mapLimit(images, 8, async (imagePath): Promise<Sample | null> => {
    const lp = labelPathFor(imagePath);
    const labels = existsSync(lp) ? parseYoloLabels(readFileSync(lp, 'utf8'), lp, nc, reporter) : EMPTY_LABELS;
    const size = options.verifyImages === false ? { width: 0, height: 0 } : await verifyImage(imagePath, options, reporter);
    if (!size) return null;
    const imageId = basename(imagePath, extname(imagePath));
    return { imageId, imagePath, source: { kind: 'file', path: imagePath }, ...size, labels, ignored: EMPTY_LABELS, ignoredKind: [] };
  });
  return all.filter((s): s is Sample => s !== null);
}
