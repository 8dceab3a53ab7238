// darknet `.data` files: `classes=`, `train=`, `valid=`, `names=`, `backup=`.
// The train/valid lists name images; labels sit in darknet's `labels/` layout.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { listImages, yoloSamples } from './files.js';
import { DataError, Reporter, type Dataset, type ReadOptions } from './types.js';

export function parseDarknetData(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const eq = line.indexOf('=');
    if (eq < 0) throw new DataError({ kind: 'config', file, line: i + 1, message: `expected key=value, got "${line}"` });
    const key = line.slice(0, eq).trim(), value = line.slice(eq + 1).trim();
    if (key === 'classes' && !(/^\d+$/.test(value) && Number(value) > 0 && Number(value) <= 1e6))
      throw new DataError({ kind: 'config', file, line: i + 1, message: `classes=${value} is not a positive whole number` });
    out[key] = value;
  });
  return out;
}

/** darknet resolves paths against the working directory; try the .data file's folder first, then the cwd. */
function resolvePath(p: string, dataFile: string): string {
  const local = resolve(dirname(dataFile), p);
  return existsSync(local) ? local : resolve(p);
}

export async function readDarknetData(dataPath: string, split: 'train' | 'valid' = 'train', options: ReadOptions = {}): Promise<Dataset> {
  const kv = parseDarknetData(readFileSync(dataPath, 'utf8'), dataPath);
  const list = kv[split] ?? (split === 'valid' ? kv.test : undefined);
  if (!list) throw new DataError({ kind: 'config', file: dataPath, message: `no \`${split}=\` entry` });
  let names: string[];
  if (kv.names) {
    const np = resolvePath(kv.names, dataPath);
    if (!existsSync(np)) throw new DataError({ kind: 'config', file: dataPath, message: `names file not found: ${kv.names}` });
    names = readFileSync(np, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  } else if (kv.classes) names = Array.from({ length: Number(kv.classes) }, (_, i) => `class${i}`);
  else throw new DataError({ kind: 'config', file: dataPath, message: 'needs `names=` or `classes=`' });
  if (kv.classes && Number(kv.classes) !== names.length)
    throw new DataError({ kind: 'config', file: dataPath, message: `classes=${kv.classes} but the names file ${kv.names} has ${names.length} names` });
  const reporter = new Reporter(options.strict);
  const images = listImages(resolvePath(list, dataPath), dirname(dataPath), reporter);
  const samples = await yoloSamples(images, names.length, options, reporter);
  return { origin: dataPath, names, samples, problems: reporter.problems };
}
