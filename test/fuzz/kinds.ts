// What the fuzzer mutates (a kind: one file of the seeds) and how each case
// runs it through the CLI (a command: the arguments, and the files the
// command writes, which must be complete on success and absent on failure).
import { join } from 'node:path';
import type { Rng } from '../../src/data/rng.js';

/** Where one case's files are: the model files (seed or mutated) and its own copy of the dataset. */
export interface CasePaths {
  dir: string;
  cfg: string;
  weights: string;
  names: string;
  ckpt: string;
  ds: string;
}

export interface Invocation {
  args: string[];
  /** Files the command writes (a folder ending in '/': any file in it). */
  outputs: string[];
}

type Command = (p: CasePaths, target: string) => Invocation;

const SMALL = ['--img-size', '64'];

const detect = (source: (p: CasePaths, t: string) => string): Command => (p, t) => ({
  args: ['detect', '--cfg', p.cfg, '--weights', p.weights, '--names', p.names, '--source', source(p, t), ...SMALL, '--json', join(p.dir, 'out.json'), '--out', join(p.dir, 'drawn')],
  outputs: [join(p.dir, 'out.json'), join(p.dir, 'drawn') + '/'],
});
const detectRandom: Command = (p) => ({
  args: ['detect', '--cfg', p.cfg, '--source', join(p.ds, 'images', 'a.jpg'), ...SMALL, '--json', join(p.dir, 'out.json')],
  outputs: [join(p.dir, 'out.json')],
});
const val = (data: (p: CasePaths) => string, weights: (p: CasePaths) => string = (p) => p.weights): Command => (p) => ({
  args: ['val', '--cfg', p.cfg, '--weights', weights(p), '--data', data(p), ...SMALL, '--batch-size', '2', '--metrics-json', join(p.dir, 'metrics.json')],
  outputs: [join(p.dir, 'metrics.json')],
});
const train = (data: (p: CasePaths) => string): Command => (p) => ({
  // 2 images, batch 2, 1 epoch: one iteration, then the evaluation and the checkpoints.
  args: ['train', '--cfg', p.cfg, '--data', data(p), ...SMALL, '--epochs', '1', '--batch-size', '2', '--no-augment', '--warmup-iters', '1', '--project', join(p.dir, 'runs'), '--name', 'r'],
  outputs: [join(p.dir, 'runs', 'r', 'weights') + '/', join(p.dir, 'runs', 'r', 'results.csv')],
});
const check = (data: (p: CasePaths) => string, strict: boolean): Command => (p) => ({
  args: ['data', 'check', '--data', data(p), ...(strict ? ['--strict'] : []), '--preview', join(p.dir, 'preview.png'), '--size', '64'],
  outputs: [join(p.dir, 'preview.png')],
});
const exportOnnx = (weights: (p: CasePaths) => string = (p) => p.weights): Command => (p) => ({
  args: ['export', '--cfg', p.cfg, '--weights', weights(p), '--names', p.names, '--out', join(p.dir, 'model.onnx'), '--img-size', '64'],
  outputs: [join(p.dir, 'model.onnx')],
});

const yaml = (p: CasePaths) => join(p.ds, 'd.yaml');
const dotData = (p: CasePaths) => join(p.ds, 'd.data');
const coco = (p: CasePaths) => join(p.ds, 'annotations', 'instances_images.json');
const voc = (p: CasePaths) => join(p.ds, 'voc');
const ckpt = (p: CasePaths) => p.ckpt;

export interface Kind {
  /** The file mutated, from the case's paths (a random one of several for images and labels). */
  target: (p: CasePaths, r: Rng) => string;
  binary: boolean;
  commands: Record<string, Command>;
}

export const KINDS: Record<string, Kind> = {
  cfg: { target: (p) => p.cfg, binary: false, commands: { detect: detectRandom, export: exportOnnx(), val: val(yaml), train: train(yaml) } },
  weights: { target: (p) => p.weights, binary: true, commands: { detect: detect((p) => join(p.ds, 'images', 'a.jpg')), export: exportOnnx(), val: val(yaml) } },
  names: { target: (p) => p.names, binary: false, commands: { detect: detect((p) => join(p.ds, 'images', 'a.jpg')), export: exportOnnx() } },
  labels: {
    target: (p, r) => join(p.ds, 'labels', r.chance(0.5) ? 'a.txt' : 'b.txt'), binary: false,
    commands: { check: check(yaml, false), 'check-strict': check(yaml, true), val: val(yaml), train: train(yaml) },
  },
  yaml: { target: yaml, binary: false, commands: { check: check(yaml, false), val: val(yaml), train: train(yaml) } },
  'darknet-data': {
    target: (p, r) => (r.chance(0.75) ? dotData(p) : join(p.ds, r.chance(0.5) ? 'list.txt' : 'shapes.names')), binary: false,
    commands: { check: check(dotData, false), val: val(dotData), train: train(dotData) },
  },
  coco: { target: coco, binary: false, commands: { check: check(coco, false), 'check-strict': check(coco, true), val: val(coco) } },
  voc: {
    target: (p, r) => (r.chance(0.8) ? join(voc(p), 'VOC2007', 'Annotations', 'a.xml') : join(voc(p), 'VOC2007', 'ImageSets', 'Main', 'trainval.txt')), binary: false,
    commands: { check: check(voc, false), 'check-strict': check(voc, true) },
  },
  image: {
    target: (p, r) => [join(p.ds, 'images', 'a.jpg'), join(p.ds, 'images', 'b.png'), join(p.ds, 'c.bmp')][r.int(0, 3)], binary: true,
    commands: { detect: detect((_p, t) => t), check: check(yaml, false), val: val(yaml), train: train(yaml) },
  },
  checkpoint: { target: ckpt, binary: true, commands: { val: val(yaml, ckpt), export: exportOnnx(ckpt), detect: (p, t) => ({ ...detect((q) => join(q.ds, 'images', 'a.jpg'))({ ...p, weights: t }, t) }) } },
  resume: {
    target: (p) => join(p.dir, 'runs', 'r', 'weights', 'last.safetensors'), binary: true,
    commands: {
      // one more epoch: one iteration
      resume: (_p, t) => ({ args: ['train', '--resume', t, '--epochs', '2'], outputs: [] }),
      val: (p, t) => val(yaml, () => t)(p, t),
      export: (p, t) => exportOnnx(() => t)(p, t),
    },
  },
};

/** Command names that a bmp target (not in the dataset) runs; the others read the dataset. */
export function commandsFor(kind: string, target: string): string[] {
  const all = Object.keys(KINDS[kind].commands);
  return kind === 'image' && target.endsWith('.bmp') ? ['detect'] : all;
}
