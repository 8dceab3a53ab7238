// One entry point for every dataset description: picks the reader from
// what `spec` is (YAML, darknet .data, COCO JSON, VOC folder, image folder
// or list, or `shapes[:count]`).

import { existsSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { readYoloYaml, readYoloImages, type Split } from './yolo_dataset.js';
import { readDarknetData } from './darknet_data.js';
import { readCocoJson } from './coco.js';
import { readVoc } from './voc.js';
import { shapesDataset } from './shapes.js';
import { DataError, type Dataset, type ReadOptions } from './types.js';

export interface OpenOptions extends ReadOptions {
  split?: Split;
  /** Class names for a bare image folder or list (default: unchecked classes). */
  names?: string[];
  /** Shapes: image size and seed. */
  size?: number;
  seed?: number;
}

/** `shapes`, `shapes:500`: the built-in generated set. */
function parseShapes(spec: string): number | null {
  const m = /^shapes(?::(\d+))?$/.exec(spec);
  return m ? Number(m[1] ?? 256) : null;
}

export async function openDataset(spec: string, options: OpenOptions = {}): Promise<Dataset> {
  const split = options.split ?? 'train';
  const shapes = parseShapes(spec);
  if (shapes !== null) return shapesDataset({ count: shapes, seed: (options.seed ?? 0) + (split === 'train' ? 0 : 1_000_003), width: options.size ?? 416 });
  if (!existsSync(spec)) throw new DataError({ kind: 'config', file: spec, message: 'dataset not found (expected a .yaml, .data, COCO .json, VOC folder, image folder or list, or "shapes")' });
  const ext = extname(spec).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return readYoloYaml(spec, split, options);
  if (ext === '.data') return readDarknetData(spec, split === 'train' ? 'train' : 'valid', options);
  if (ext === '.json') return readCocoJson(spec, options);
  if (statSync(spec).isDirectory() && (existsSync(join(spec, 'Annotations')) || /VOCdevkit\/?$/.test(spec) || existsSync(join(spec, 'VOC2007')) || existsSync(join(spec, 'VOC2012'))))
    return readVoc(spec, { ...options, split: split === 'train' ? 'trainval' : 'test' });
  return readYoloImages(spec, options.names ?? [], options);
}
