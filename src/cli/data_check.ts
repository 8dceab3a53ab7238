// `yolov3 data check --data D [--split train|val|test] [--strict]
// [--allow-truncated] [--preview out.png] [--size 416] [--seed N]`: argument
// parsing and printing only; the work is openDataset, summarize and writePreview.

import { openDataset, summarize, formatReport, formatProblem, writePreview } from '../data/index.js';
import { formatHelp, parseArgs, UsageError, type Specs } from './args.js';

const SPECS = {
  data: { type: 'string', required: true, help: 'ultralytics .yaml, darknet .data, COCO .json, VOC folder, image folder or .txt list, or shapes[:N]' },
  split: { type: 'string', default: 'train', choices: ['train', 'val', 'test'], help: 'which split to read' },
  strict: { type: 'boolean', help: 'stop at the first malformed label; exit 1 on any problem' },
  'allow-truncated': { type: 'boolean', help: 'keep truncated JPEGs (decoded as libjpeg does)' },
  preview: { type: 'string', help: 'write a 2x2 mosaic PNG with the labels drawn to this file' },
  size: { type: 'number', integer: true, min: 32, default: 416, help: 'preview tile size' },
  seed: { type: 'number', integer: true, min: 0, default: 0, help: 'which images the preview shows' },
} satisfies Specs;

export const DATA_CHECK_HELP = formatHelp(`usage: yolov3 data check --data D [options]

Reads a dataset and prints its counts (images, labels per class, empty images)
and every problem found (bad label lines with file:line, label files without
images, missing, corrupt or truncated images).`, SPECS);

const toStdout = (s: string) => console.log(s);

/**
 * Runs `data check`; returns the exit code (0 fine, 1 problems in --strict or
 * unreadable data, 2 usage). Errors go to `err`: stderr from the command
 * line, else the same sink as the report.
 */
export async function runDataCheck(argv: string[], out: (s: string) => void = toStdout, err: (s: string) => void = out === toStdout ? (s) => console.error(s) : out): Promise<number> {
  let args;
  try {
    args = parseArgs('data check', SPECS, argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`${e.message}\n\n${DATA_CHECK_HELP}`);
    return 2;
  }
  if (args.help) { out(DATA_CHECK_HELP); return 0; }
  const split = args.split as 'train' | 'val' | 'test';
  const allowTruncated = args['allow-truncated'] === true;
  try {
    const ds = await openDataset(args.data!, { split, strict: args.strict === true, allowTruncated });
    const report = summarize(ds);
    out(formatReport(report));
    if (args.preview) {
      const { imageIds } = await writePreview(ds, args.preview, { size: args.size, seed: args.seed, allowTruncated });
      out(`preview  ${args.preview} (${imageIds.join(', ')})`);
    }
    if (!args.strict || report.problems.length === 0) return 0;
    // --strict: the one-line error names the first problem's file (and line); the report above lists them all.
    const more = report.problems.length - 1;
    err(`data check: ${formatProblem(report.problems[0])}${more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''})` : ''}`);
    return 1;
  } catch (e) {
    err(`data check: ${(e as Error).message}`);
    return 1;
  }
}
