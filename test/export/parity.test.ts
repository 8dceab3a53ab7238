// Exported models against our own forward, run by onnxruntime-node: the
// raw heads (in darknet's activated space, the parity tests' 1e-4) and the
// decoded predictions, on the stock cfgs with random darknet-layout weights,
// the cfgs with unusual layers, and the trained Shapes fixture; every export
// passes the ONNX checker and strict shape inference (python3-onnx).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, darknetYoloOutput, loadWeights, parseCfg } from '../../src/darknet/index.js';
import { exportOnnx } from '../../src/export/index.js';
import { REPO_ROOT, SHARED, sharedPath } from '../support/references.js';
import * as P from '../darknet/parity_support.js';
import { CUSTOM_CFG, OPENCV_ONLY_CFG } from '../darknet/custom_cfgs.js';
import { EVERY_LAYER_CFG } from './cfgs.js';
import { checkOnnx, runOnnx, session, writeModel } from './onnx_support.js';

const TOL = 1e-4;
const IMAGE = join(SHARED, 'data/darknet/images/dog.jpg');
const FIXTURES = join(REPO_ROOT, 'test', 'detect', 'fixtures');

/** Activated space as darknet outputs a [yolo] layer, from a raw head's values. */
function activated(data: Float32Array, dims: number[]): Float32Array {
  return torch.tidy(() => darknetYoloOutput(torch.tensor(data, { shape: dims })).dataSync() as Float32Array);
}

/** Largest error of decoded rows: boxes relative to max(1, |value|), scores absolute. */
function decodedErrors(ours: Float32Array, theirs: Float32Array, k: number): { box: number; score: number } {
  assert.equal(ours.length, theirs.length);
  let box = 0;
  let score = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(ours[i] - theirs[i]);
    if (i % k < 4) box = Math.max(box, Number.isNaN(d) ? Infinity : d / Math.max(1, Math.abs(ours[i])));
    else score = Math.max(score, Number.isNaN(d) ? Infinity : d);
  }
  return { box, score };
}

interface Case {
  label: string;
  text: (t: never) => string | null;
  size: number;
  seed: number;
  /** Trained weights instead of random ones. */
  weights?: string;
}

function parity(c: Case): void {
  describe(`${c.label} at ${c.size}`, () => {
    let model: Darknet | null = null;
    let input: Float32Array;
    let start = 0;
    before(async () => {
      const text = c.text({ skip() {} } as never);
      if (text === null || !existsSync(IMAGE)) return;
      start = torch.memory().tensors;
      model = new Darknet(parseCfg(text, { file: c.label })).eval();
      if (c.weights) loadWeights(model, c.weights);
      else P.randomizeWeights(model, c.seed);
      input = (await P.imageInput(IMAGE, c.size, c.size)).data;
    });
    after(() => {
      model?.dispose();
      if (model) assert.equal(torch.memory().tensors, start, 'export and forward leave no tensors');
    });
    const shape = [1, 3, c.size, c.size];

    test('raw heads: checker and shape inference pass; onnxruntime equals forwardHeads', async (t) => {
      if (!model) return t.skip('shared data not found');
      const bytes = exportOnnx(model, { size: [c.size, c.size], output: 'raw' });
      const checked = checkOnnx(t, writeModel(bytes));
      const x = torch.tensor(input, { shape });
      const heads = torch.noGrad(() => model!.forwardHeads(x));
      try {
        if (checked) assert.deepEqual(checked.outputs, Object.fromEntries(heads.map((h, i) => [`head${i}`, h.shape])));
        const out = await runOnnx(await session(bytes), input, shape);
        heads.forEach((h, i) => {
          const o = out[`head${i}`];
          assert.deepEqual(o.dims, h.shape);
          const ours = torch.tidy(() => darknetYoloOutput(h).dataSync() as Float32Array);
          const d = P.maxAbsDiff(ours, activated(o.data, o.dims));
          t.diagnostic(`head${i} [${o.dims}]: max |diff| ${d.toExponential(2)} (max |value| ${P.maxAbs(ours).toFixed(2)})`);
          assert.ok(d <= TOL, `head${i}: max |diff| ${d} > ${TOL}`);
          assert.ok(P.maxAbs(ours) > 0.5, 'outputs are not trivially small');
        });
      } finally {
        torch.dispose([x, heads]);
      }
    });

    test('decoded: onnxruntime equals predict (boxes to 1e-4 relative, scores to 1e-4)', async (t) => {
      if (!model) return t.skip('shared data not found');
      const bytes = exportOnnx(model, { size: [c.size, c.size] });
      const checked = checkOnnx(t, writeModel(bytes));
      const x = torch.tensor(input, { shape });
      const pred = torch.noGrad(() => model!.predict(x));
      try {
        if (checked) assert.deepEqual(checked.outputs, { predictions: pred.shape });
        const o = (await runOnnx(await session(bytes), input, shape)).predictions;
        assert.deepEqual(o.dims, pred.shape);
        const e = decodedErrors(pred.dataSync() as Float32Array, o.data, pred.shape[2]);
        t.diagnostic(`predictions [${o.dims}]: boxes ${e.box.toExponential(2)} relative, scores ${e.score.toExponential(2)}`);
        assert.ok(e.box <= TOL && e.score <= TOL, `decoded differs: ${JSON.stringify(e)}`);
      } finally {
        torch.dispose([x, pred]);
      }
    });
  });
}

const stock = (name: string) => (t: never) => {
  const path = sharedPath(t, `data/darknet/cfg/${name}.cfg`);
  return path && readFileSync(path, 'utf8');
};

parity({ label: 'yolov3-tiny', text: stock('yolov3-tiny'), size: 416, seed: 1 });
parity({ label: 'yolov3', text: stock('yolov3'), size: 256, seed: 2 });
parity({ label: 'yolov3-spp (maxpool 5/9/13 stride 1)', text: stock('yolov3-spp'), size: 256, seed: 3 });
parity({ label: 'custom (groups, dropout, maxpool 2/1, shortcut activation)', text: () => CUSTOM_CFG, size: 96, seed: 4 });
parity({ label: 'route groups, 1x1 stride 2', text: () => OPENCV_ONLY_CFG, size: 64, seed: 5 });
parity({ label: 'every activation, shortcut sampling, avgpool, scale_x_y, a read [yolo]', text: () => EVERY_LAYER_CFG, size: 64, seed: 6 });
parity({ label: 'trained shapes fixture', text: () => readFileSync(join(FIXTURES, 'shapes-tiny.cfg'), 'utf8'), size: 256, seed: 0, weights: join(FIXTURES, 'shapes-tiny-trained.weights') });
