// COCO instances JSON: `bbox` [x, y, w, h] in pixels, category ids (1..90
// with gaps for COCO) mapped to contiguous indices in id order, `iscrowd`
// boxes kept apart for evaluation and never trained on; each object's own
// `area` kept for COCO's area ranges.

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { verifyImage, mapLimit } from './files.js';
import { pixelBoxToRow } from './labels.js';
import { parseJsonText, JsonSyntaxError } from '../util/json_text.js';
import { DataError, Reporter, type Dataset, type ReadOptions, type Sample } from './types.js';

interface CocoJson {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { id: number; image_id: number; category_id: number; bbox: number[]; area?: number; iscrowd?: number }[];
  categories: { id: number; name: string }[];
}

/** Where COCO images usually sit relative to `annotations/instances_<split>.json`. */
function guessImageDir(jsonPath: string, files: string[]): string | null {
  const root = dirname(dirname(jsonPath));
  const split = basename(jsonPath, extname(jsonPath)).replace(/^instances_/, '');
  const cands = [join(root, 'images', split), join(root, split), join(root, 'images'), dirname(jsonPath)];
  return cands.find((d) => files.length === 0 || existsSync(join(d, files[0]))) ?? null;
}

export interface CocoOptions extends ReadOptions {
  /** Folder holding the images; guessed from the JSON's location when absent. */
  imageDir?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads and checks the JSON's shape: an object with the three lists, every
 * image an object with a numeric id, a file name and a size, every category
 * an object with a numeric id. (Annotations are checked one by one and skipped.)
 */
function readCocoDoc(jsonPath: string): CocoJson {
  const text = readFileSync(jsonPath, 'utf8');
  let doc: unknown;
  try {
    doc = parseJsonText(text, jsonPath);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    throw new DataError({ kind: 'config', file: jsonPath, line: e.line, message: `invalid JSON${e.column === undefined ? '' : ` (column ${e.column})`}: ${e.reason}` });
  }
  const fail = (message: string): never => { throw new DataError({ kind: 'config', file: jsonPath, message }); };
  if (!isObject(doc)) return fail('COCO JSON is not an object');
  for (const key of ['images', 'annotations', 'categories'] as const) if (!Array.isArray(doc[key])) fail(`COCO JSON has no \`${key}\` list`);
  (doc.images as unknown[]).forEach((im, i) => {
    if (!isObject(im) || typeof im.id !== 'number' || typeof im.file_name !== 'string' || im.file_name === '') fail(`images[${i}] needs a numeric \`id\` and a \`file_name\``);
    else if (!(Number(im.width) > 0 && Number(im.height) > 0 && Number.isFinite(im.width) && Number.isFinite(im.height))) fail(`images[${i}] (id ${im.id}): bad width/height ${JSON.stringify(im.width)}x${JSON.stringify(im.height)}`);
  });
  (doc.categories as unknown[]).forEach((c, i) => { if (!isObject(c) || typeof c.id !== 'number' || typeof c.name !== 'string') fail(`categories[${i}] needs a numeric \`id\` and a \`name\``); });
  return doc as unknown as CocoJson;
}

export async function readCocoJson(jsonPath: string, options: CocoOptions = {}): Promise<Dataset> {
  const doc = readCocoDoc(jsonPath);
  const reporter = new Reporter(options.strict);
  const cats = [...doc.categories].sort((a, b) => a.id - b.id);
  const catIndex = new Map(cats.map((c, i) => [c.id, i]));
  const imageDir = options.imageDir ? resolve(options.imageDir) : guessImageDir(jsonPath, doc.images.map((i) => i.file_name));
  if (!imageDir) throw new DataError({ kind: 'config', file: jsonPath, message: 'cannot find the image folder; pass imageDir' });

  const byImage = new Map<number, { train: number[]; ignored: number[]; kinds: 'crowd'[]; trainArea: number[]; ignoredArea: number[] }>();
  const images = new Map(doc.images.map((im) => [im.id, im]));
  for (const im of doc.images) byImage.set(im.id, { train: [], ignored: [], kinds: [], trainArea: [], ignoredArea: [] });
  for (const [i, a] of doc.annotations.entries()) {
    if (!isObject(a)) { reporter.report({ kind: 'annotation', file: jsonPath, message: `annotations[${i}] is not an object` }); continue; }
    const where = `annotation id ${a.id}`;
    const im = images.get(a.image_id);
    const bad = (message: string) => reporter.report({ kind: 'annotation', file: jsonPath, message: `${where}: ${message}` });
    if (!im) { bad(`image_id ${a.image_id} is not in \`images\``); continue; }
    const cls = catIndex.get(a.category_id);
    if (cls === undefined) { bad(`category_id ${a.category_id} is not in \`categories\``); continue; }
    if (!Array.isArray(a.bbox) || a.bbox.length !== 4 || a.bbox.some((v) => !Number.isFinite(v))) { bad(`bbox ${JSON.stringify(a.bbox)} is not [x, y, w, h]`); continue; }
    const [x, y, w, h] = a.bbox;
    if (!(w > 0) || !(h > 0)) { bad(`bbox width and height must be > 0 (${JSON.stringify(a.bbox)})`); continue; }
    const row = pixelBoxToRow(cls, x, y, x + w, y + h, im.width, im.height);
    if (!row) { bad(`bbox ${JSON.stringify(a.bbox)} lies outside the ${im.width}x${im.height} image`); continue; }
    const entry = byImage.get(im.id)!;
    const area = typeof a.area === 'number' && Number.isFinite(a.area) ? a.area : w * h;
    if (a.iscrowd) { entry.ignored.push(...row); entry.kinds.push('crowd'); entry.ignoredArea.push(area); }
    else { entry.train.push(...row); entry.trainArea.push(area); }
  }

  const all = await mapLimit(doc.images, 8, async (im): Promise<Sample | null> => {
    const imagePath = join(imageDir, im.file_name);
    if (!existsSync(imagePath)) {
      reporter.note({ kind: 'missing-image', file: jsonPath, message: `image ${im.id} (${im.file_name}) not found in ${imageDir}; skipped` });
      return null;
    }
    if (options.verifyImages !== false && !(await verifyImage(imagePath, options, reporter))) return null;
    const e = byImage.get(im.id)!;
    return {
      imageId: basename(im.file_name, extname(im.file_name)),
      imagePath, source: { kind: 'file', path: imagePath },
      width: im.width, height: im.height,
      labels: Float32Array.from(e.train), ignored: Float32Array.from(e.ignored), ignoredKind: e.kinds,
      areas: Float64Array.from([...e.trainArea, ...e.ignoredArea]),
    };
  });
  const samples = all.filter((s): s is Sample => s !== null);
  const imageIds = new Map(doc.images.map((im) => [basename(im.file_name, extname(im.file_name)), im.id]));
  const coco = { categoryIds: cats.map((c) => c.id), imageIds };
  return { origin: jsonPath, names: cats.map((c) => c.name), samples, problems: reporter.problems, coco };
}
