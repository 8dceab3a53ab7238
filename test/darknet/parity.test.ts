// Parity with the C darknet (libdarknet.so) and OpenCV's darknet importer:
// the same cfg, the same random weights written by saveWeights, the same
// image tensor; every [yolo] output (after darknet's activations) within 1e-4,
// unfused and fused for inference (batch norms folded, channels-last).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, parseCfg, saveWeights, darknetYoloOutput } from '../../src/darknet/index.js';
import { SHARED, sharedPath } from '../support/references.js';
import * as P from './parity_support.js';
import { CUSTOM_CFG, OPENCV_ONLY_CFG } from './custom_cfgs.js';

const TOL = 1e-4;
const IMAGE = join(SHARED, 'data/darknet/images/dog.jpg');

interface Prepared {
  dir: string;
  cfg: string;
  weights: string;
  input: string;
  size: number;
  heads: { layer: number; na: number }[];
  ours: Map<number, Float32Array>;
  fused: Map<number, Float32Array>;
}

/** Builds the model, writes cfg, weights and input, and runs our forward once. */
async function prepare(text: string, size: number, seed: number): Promise<Prepared> {
  const dir = P.tmpDir();
  const cfg = join(dir, 'model.cfg');
  writeFileSync(cfg, P.cfgAtSize(text, size, size));
  const start = torch.memory().tensors;
  const model = new Darknet(parseCfg(readFileSync(cfg, 'utf8'), { file: cfg })).eval();
  const weights = join(dir, 'model.weights');
  const { path: input, data } = await P.imageInput(IMAGE, size, size);
  const ours = new Map<number, Float32Array>();
  const fused = new Map<number, Float32Array>();
  try {
    P.randomizeWeights(model, seed);
    saveWeights(model, weights);
    const x = torch.tensor(data, { shape: [1, 3, size, size] });
    for (const [out, fuse] of [[ours, false], [fused, true]] as const) {
      const heads = torch.noGrad(() => model.fuseForInference(fuse).forwardHeads(x));
      heads.forEach((h, i) => out.set(model.heads[i].layer, torch.tidy(() => darknetYoloOutput(h).dataSync() as Float32Array)));
      torch.dispose(heads);
    }
    x.dispose();
  } finally {
    model.dispose();
  }
  assert.equal(torch.memory().tensors, start, 'forward and dispose leave no tensors');
  return { dir, cfg, weights, input, size, heads: model.heads.map((h) => ({ layer: h.layer, na: h.mask.length })), ours, fused };
}

function compare(p: Prepared, ref: Map<number, Float32Array>, name: string): void {
  for (const { layer } of p.heads) {
    const theirs = ref.get(layer)!;
    for (const [kind, outs] of [['unfused', p.ours], ['fused', p.fused]] as const) {
      const d = P.maxAbsDiff(outs.get(layer)!, theirs);
      assert.ok(d <= TOL, `${name}: [yolo] layer ${layer} (${kind}): max |diff| ${d} > ${TOL} (max |value| ${P.maxAbs(theirs)})`);
    }
    assert.ok(P.maxAbs(theirs) > 0.5, 'outputs are not trivially small');
  }
}

function parity(label: string, load: (t: { skip(m?: string): void }) => string | null, size: number, seed: number, references: ('darknet' | 'opencv')[]): void {
  describe(`${label} at ${size}`, () => {
    let p: Prepared | null = null;
    before(async () => {
      const text = load({ skip() {} });
      if (text !== null && readFileSync(IMAGE).length > 0) p = await prepare(text, size, seed);
    });
    after(() => {
      if (p) rmSync(p.dir, { recursive: true, force: true });
    });
    if (references.includes('darknet')) {
      test('matches the C darknet', (t) => {
        const exe = P.darknetRunner(t);
        if (!p || !exe) return;
        compare(p, P.runDarknet(exe, p.cfg, p.weights, p.input, p.heads.map((h) => h.layer)), 'darknet');
      });
    }
    if (references.includes('opencv')) {
      test('matches OpenCV readNetFromDarknet', (t) => {
        if (!p) return;
        const ref = P.runOpenCV(t, p.cfg, p.weights, p.input, [1, 3, p.size, p.size], p.heads);
        if (ref) compare(p, ref, 'opencv');
      });
    }
  });
}

const stock = (name: string) => (t: { skip(m?: string): void }) => {
  const path = sharedPath(t as never, `data/darknet/cfg/${name}.cfg`);
  return path && readFileSync(path, 'utf8');
};

parity('yolov3-tiny', stock('yolov3-tiny'), 416, 1, ['darknet', 'opencv']);
parity('yolov3', stock('yolov3'), 416, 2, ['darknet', 'opencv']);
parity('yolov3-spp', stock('yolov3-spp'), 256, 3, ['darknet', 'opencv']);
parity('custom (groups, dropout, maxpool 2/1, shortcut activation)', () => CUSTOM_CFG, 96, 4, ['darknet', 'opencv']);
parity('route groups, 1x1 stride 2', () => OPENCV_ONLY_CFG, 64, 5, ['opencv']);
