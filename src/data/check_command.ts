// `yolov3 data check --data D [--split train|val] [--strict]
// [--allow-truncated] [--preview out.png] [--size 416]`: argument parsing
// and printing only; the work is openDataset, summarize and writePreview.

import { openDataset } from './open.js';
import { summarize, formatReport } from './check.js';
import { writePreview } from './preview.js';
import { DataError } from './types.js';

export const DATA_CHECK_HELP = `usage: yolov3 data check --data D [options]

Reads a dataset and prints its counts (images, labels per class, empty images)
and every problem found (bad label lines with file:line, label files without
images, missing, corrupt or truncated images).

  --data D            ultralytics .yaml, darknet .data, COCO .json, VOC folder,
                      image folder or .txt list, or shapes[:N]
  --split S           train (default), val or test
  --strict            stop at the first malformed label; exit 1 on any problem
  --allow-truncated   keep truncated JPEGs (decoded as libjpeg does)
  --preview FILE      write a 2x2 mosaic PNG with the labels drawn
  --size N            preview tile size (default 416)
  --seed N            which images the preview shows
  -h, --help          this text`;

interface Args { data?: string; split: 'train' | 'val' | 'test'; strict: boolean; allowTruncated: boolean; preview?: string; size: number; seed: number }

function parse(args: string[]): Args | string {
  const a: Args = { split: 'train', strict: false, allowTruncated: false, size: 416, seed: 0 };
  for (let i = 0; i < args.length; i++) {
    const k = args[i];
    const value = () => { if (i + 1 >= args.length) throw new Error(`${k} needs a value`); return args[++i]; };
    try {
      if (k === '--data') a.data = value();
      else if (k === '--split') { const s = value(); if (s !== 'train' && s !== 'val' && s !== 'test') return `--split must be train, val or test, not ${s}`; a.split = s; }
      else if (k === '--strict') a.strict = true;
      else if (k === '--allow-truncated') a.allowTruncated = true;
      else if (k === '--preview') a.preview = value();
      else if (k === '--size' || k === '--seed') {
        const n = Number(value());
        if (!Number.isInteger(n) || n < (k === '--size' ? 32 : 0)) return `${k} must be an integer${k === '--size' ? ' >= 32' : ''}`;
        if (k === '--size') a.size = n; else a.seed = n;
      } else if (k === '-h' || k === '--help') return 'help';
      else return `unknown option ${k}`;
    } catch (e) { return (e as Error).message; }
  }
  if (!a.data) return '--data is required';
  return a;
}

/** Runs `data check`; returns the exit code (0 fine, 1 problems in --strict or unreadable data, 2 usage). */
export async function runDataCheck(args: string[], out: (s: string) => void = (s) => console.log(s)): Promise<number> {
  const a = parse(args);
  if (a === 'help') { out(DATA_CHECK_HELP); return 0; }
  if (typeof a === 'string') { out(`data check: ${a}\n\n${DATA_CHECK_HELP}`); return 2; }
  try {
    const ds = await openDataset(a.data!, { split: a.split, strict: a.strict, allowTruncated: a.allowTruncated });
    const report = summarize(ds);
    out(formatReport(report));
    if (a.preview) {
      const { imageIds } = await writePreview(ds, a.preview, { size: a.size, seed: a.seed, allowTruncated: a.allowTruncated });
      out(`preview  ${a.preview} (${imageIds.join(', ')})`);
    }
    return a.strict && report.problems.length > 0 ? 1 : 0;
  } catch (e) {
    out(`data check: ${e instanceof DataError ? e.message : (e as Error).message}`);
    return 1;
  }
}
