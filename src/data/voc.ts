// PASCAL VOC: `VOCdevkit/VOC20xx/{Annotations,JPEGImages,ImageSets/Main}`.
// Boxes are 1-based pixel corners; converted as darknet's voc_label.py does.
// `difficult` objects are kept apart for evaluation, not trained on.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseXml, child, children, childText } from './xml.js';
import { verifyImage, mapLimit } from './files.js';
import { pixelBoxToRow } from './labels.js';
import { DataError, Reporter, type Dataset, type ReadOptions, type Sample } from './types.js';

export const VOC_NAMES = ['aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow', 'diningtable',
  'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor'];

export interface VocOptions extends ReadOptions {
  /** ImageSets/Main/<split>.txt; default trainval. */
  split?: string;
  names?: string[];
}

/** Year folders under a VOCdevkit root, or the folder itself when it is one. */
function yearDirs(root: string): string[] {
  if (existsSync(join(root, 'Annotations'))) return [root];
  return readdirSync(root).map((d) => join(root, d)).filter((d) => statSync(d).isDirectory() && existsSync(join(d, 'Annotations'))).sort();
}

export async function readVoc(root: string, options: VocOptions = {}): Promise<Dataset> {
  const names = options.names ?? VOC_NAMES;
  const split = options.split ?? 'trainval';
  const reporter = new Reporter(options.strict);
  const entries: { year: string; id: string }[] = [];
  const years = yearDirs(root);
  if (!years.length) throw new DataError({ kind: 'config', file: root, message: 'no VOC year folder (with Annotations/) found' });
  for (const year of years) {
    const list = join(year, 'ImageSets', 'Main', `${split}.txt`);
    if (!existsSync(list)) { reporter.note({ kind: 'config', file: list, message: 'split list not found; year skipped' }); continue; }
    const before = entries.length;
    for (const line of readFileSync(list, 'utf8').split(/\r?\n/)) if (line.trim()) entries.push({ year, id: line.trim().split(/\s+/)[0] });
    if (entries.length === before) reporter.note({ kind: 'config', file: list, message: 'split list is empty' });
  }
  const all = await mapLimit(entries, 8, async ({ year, id }): Promise<Sample | null> => {
    const xmlPath = join(year, 'Annotations', `${id}.xml`);
    const imagePath = join(year, 'JPEGImages', `${id}.jpg`);
    if (!existsSync(imagePath)) { reporter.note({ kind: 'missing-image', file: imagePath, message: 'image listed in the split not found; skipped' }); return null; }
    if (!existsSync(xmlPath)) { reporter.note({ kind: 'annotation', file: xmlPath, message: 'annotation not found; image skipped' }); return null; }
    const doc = parseXml(readFileSync(xmlPath, 'utf8'), xmlPath);
    const size = child(doc, 'size');
    let width = Number(size && childText(size, 'width')), height = Number(size && childText(size, 'height'));
    const probed = options.verifyImages === false ? null : await verifyImage(imagePath, options, reporter);
    if (options.verifyImages !== false && !probed) return null;
    if (probed && (probed.width !== width || probed.height !== height)) {
      if (width > 0) reporter.note({ kind: 'annotation', file: xmlPath, message: `<size> ${width}x${height} differs from the image's ${probed.width}x${probed.height}; using the image's` });
      ({ width, height } = probed);
    }
    if (!(width > 0 && height > 0)) { reporter.report({ kind: 'annotation', file: xmlPath, message: 'missing or bad <size>' }); return null; }
    const train: number[] = [], ignored: number[] = [], kinds: 'difficult'[] = [];
    for (const obj of children(doc, 'object')) {
      const name = childText(obj, 'name') ?? '';
      const cls = names.indexOf(name);
      const bb = child(obj, 'bndbox');
      if (cls < 0) { reporter.report({ kind: 'annotation', file: xmlPath, message: `unknown class name "${name}"` }); continue; }
      const v = ['xmin', 'xmax', 'ymin', 'ymax'].map((k) => Number(bb && childText(bb, k)));
      if (!bb || v.some((x) => !Number.isFinite(x)) || v[1] <= v[0] || v[3] <= v[2]) {
        reporter.report({ kind: 'annotation', file: xmlPath, message: `object "${name}": bad <bndbox>` }); continue;
      }
      // voc_label.py: centre = (min + max) / 2 - 1 (1-based pixels), size = max - min.
      const cx = (v[0] + v[1]) / 2 - 1, cy = (v[2] + v[3]) / 2 - 1, bw = v[1] - v[0], bh = v[3] - v[2];
      const row = pixelBoxToRow(cls, cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2, width, height);
      if (!row) { reporter.report({ kind: 'annotation', file: xmlPath, message: `object "${name}": box outside the image` }); continue; }
      if (childText(obj, 'difficult') === '1') { ignored.push(...row); kinds.push('difficult'); } else train.push(...row);
    }
    return {
      imageId: `${basename(year)}/${id}`, imagePath, source: { kind: 'file', path: imagePath }, width, height,
      labels: Float32Array.from(train), ignored: Float32Array.from(ignored), ignoredKind: kinds,
    };
  });
  return { origin: root, names, samples: all.filter((s): s is Sample => s !== null), problems: reporter.problems };
}
