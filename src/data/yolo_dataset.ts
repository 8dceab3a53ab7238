// YOLO-txt datasets described by an ultralytics YAML (`path`, `train`, `val`,
// `names` as list or map), or given directly as a folder / `.txt` image list.

import { readFileSync } from 'node:fs';
import { dirname, resolve, isAbsolute } from 'node:path';
import { parseYaml, type YamlValue } from './yaml.js';
import { listImages, yoloSamples } from './files.js';
import { DataError, Reporter, type Dataset, type ReadOptions } from './types.js';

export type Split = 'train' | 'val' | 'test';

/** Class names from a YAML `names` (list, or map of index to name) and optional `nc`. */
export function namesFromYaml(names: YamlValue, nc: YamlValue, file: string): string[] {
  let out: string[];
  if (Array.isArray(names)) out = names.map(String);
  else if (names && typeof names === 'object') {
    const entries = Object.entries(names).map(([k, v]) => [Number(k), String(v)] as const);
    if (entries.some(([k]) => !Number.isInteger(k) || k < 0)) throw new DataError({ kind: 'config', file, message: '`names` map keys must be class indices 0, 1, ...' });
    out = [];
    for (const [k, v] of entries) out[k] = v;
    const holes = [...out.keys()].filter((k) => out[k] === undefined);
    if (holes.length) throw new DataError({ kind: 'config', file, message: `\`names\` has no entry for class ${holes[0]}` });
  } else if (typeof nc === 'number') out = Array.from({ length: nc }, (_, i) => `class${i}`);
  else throw new DataError({ kind: 'config', file, message: 'dataset YAML needs `names` (list or map) or `nc`' });
  if (typeof nc === 'number' && nc !== out.length)
    throw new DataError({ kind: 'config', file, message: `nc: ${nc} but names has ${out.length} entries` });
  return out;
}

/** Reads an ultralytics-style dataset YAML; paths are relative to `path`, itself relative to the YAML's folder. */
export async function readYoloYaml(yamlPath: string, split: Split = 'train', options: ReadOptions = {}): Promise<Dataset> {
  const doc = parseYaml(readFileSync(yamlPath, 'utf8'), yamlPath);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new DataError({ kind: 'config', file: yamlPath, message: 'expected a YAML map' });
  const names = namesFromYaml(doc.names ?? null, doc.nc ?? null, yamlPath);
  const root = typeof doc.path === 'string' ? resolve(dirname(yamlPath), doc.path) : dirname(yamlPath);
  const spec = doc[split];
  if (spec === undefined || spec === null) throw new DataError({ kind: 'config', file: yamlPath, message: `no \`${split}\` entry` });
  const specs = (Array.isArray(spec) ? spec : [spec]).map(String);
  const reporter = new Reporter(options.strict);
  const images = specs.flatMap((s) => listImages(isAbsolute(s) ? s : resolve(root, s), root, reporter));
  const samples = await yoloSamples(images, names.length, options, reporter);
  return { origin: yamlPath, names, samples, problems: reporter.problems };
}

/** A YOLO-txt dataset from a folder or `.txt` list of images, with given class names. */
export async function readYoloImages(spec: string, names: string[], options: ReadOptions = {}): Promise<Dataset> {
  const reporter = new Reporter(options.strict);
  const images = listImages(spec, process.cwd(), reporter);
  const samples = await yoloSamples(images, names.length, options, reporter);
  return { origin: spec, names, samples, problems: reporter.problems };
}
