// `yolov3 anchors --data D [--n 9] [--img-size 416] [--cfg C]`: anchors for
// a dataset by k-means (1 - IoU) and ultralytics' evolution, printed as the
// cfg line with how well they fit; --cfg prints the same figures for a cfg's
// own anchors. Argument parsing and printing only: the work is src/data/anchors.ts.
import { basename } from 'node:path';
import { readCfg } from '../darknet/index.js';
import { openDataset } from '../data/index.js';
import { anchorFit, fitAnchors, formatAnchors, labelSizes, sortByArea, type Anchor, type AnchorFit } from '../data/anchors.js';
import { formatHelp, parseArgs, type Specs } from './args.js';

const SPECS = {
  data: { type: 'string', required: true, help: 'dataset: .yaml, .data, COCO .json, VOC folder, image folder or list, or shapes:N' },
  split: { type: 'string', default: 'train', choices: ['train', 'val', 'test'], help: 'which split\'s labels' },
  n: { type: 'number', integer: true, min: 1, default: 9, help: 'number of anchors' },
  'img-size': { type: 'number', integer: true, min: 32, default: 416, help: 'training size: images letterboxed to it, as training sees the labels' },
  cfg: { type: 'string', help: "also print the fit of this cfg's [yolo] anchors" },
  generations: { type: 'number', integer: true, min: 0, default: 1000, help: 'generations of evolution after k-means (ultralytics: 1000)' },
  'anchor-t': { type: 'number', default: 4, help: "ratio threshold of best possible recall (ultralytics' anchor_t)" },
  seed: { type: 'number', integer: true, min: 0, default: 0, help: 'seed of k-means and the evolution (same seed, same anchors)' },
} satisfies Specs;

const HELP = formatHelp(`usage: yolov3 anchors --data D [options]

Anchors for a dataset: k-means on the labels' sizes (as letterboxed to
--img-size) with 1 - IoU as the distance (YOLOv2), refined by ultralytics'
genetic evolution. Prints the cfg's anchors= line (sorted by area), the mean
best IoU and the best possible recall of the new anchors, and with --cfg of
the cfg's own.`, SPECS);

function describeFit(f: AnchorFit, anchorT: number): string {
  return `mean best IoU ${f.meanIou.toFixed(4)}, best possible recall ${f.bpr.toFixed(4)} (ratio ${anchorT}), ${f.anchorsPerLabel.toFixed(2)} anchors per label past it`;
}

/** The anchors of the cfg's [yolo] layers (each head's masked ones, in order). */
function cfgAnchors(path: string): Anchor[] {
  const seen = new Set<string>();
  const out: Anchor[] = [];
  for (const l of readCfg(path).layers) {
    if (l.type !== 'yolo') continue;
    for (const m of l.mask) {
      const a = l.anchors[m];
      if (!seen.has(`${a}`)) { seen.add(`${a}`); out.push([a[0], a[1]]); }
    }
  }
  if (out.length === 0) throw new Error(`${path}: no [yolo] layer with anchors`);
  return out;
}

export async function runAnchors(argv: string[]): Promise<number> {
  const args = parseArgs('yolov3 anchors', SPECS, argv);
  if (args.help) {
    console.log(HELP);
    return 0;
  }
  const size = args['img-size']!, anchorT = args['anchor-t']!;
  const ds = await openDataset(args.data!, { split: args.split as 'train' | 'val' | 'test', size });
  const wh = labelSizes(ds, size);
  const labels = wh.length / 2;
  if (labels === 0) throw new Error(`${ds.origin}: no labels to fit anchors to`);
  let tiny = 0;
  for (let i = 0; i < wh.length; i += 2) if (wh[i] < 3 || wh[i + 1] < 3) tiny++;
  console.log(`${ds.origin} (${args.split}): ${labels} labels in ${ds.samples.length} images, sized as letterboxed to ${size} px`);
  if (tiny) console.log(`warning: ${tiny} of ${labels} labels are under 3 px wide or high at ${size} px`);
  const anchors = fitAnchors(wh, args.n!, { generations: args.generations, seed: args.seed, anchorT });
  console.log(formatAnchors(anchors));
  console.log(`new anchors: ${describeFit(anchorFit(wh, anchors, anchorT), anchorT)}`);
  if (args.cfg) {
    const own = sortByArea(cfgAnchors(args.cfg));
    console.log(`${basename(args.cfg)}: ${formatAnchors(own)}`);
    console.log(`${basename(args.cfg)} anchors: ${describeFit(anchorFit(wh, own, anchorT), anchorT)}`);
  }
  return 0;
}
