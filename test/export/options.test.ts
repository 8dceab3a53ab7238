// Export options: every opset 13..17 (checker, shape inference and
// onnxruntime on each), a dynamic batch run with two images, input sizes
// other than the cfg's (non-square), the metadata, and the option checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Darknet, darknetYoloOutput, parseCfg } from '../../src/darknet/index.js';
import { exportOnnx, OPSETS } from '../../src/export/index.js';
import * as P from '../darknet/parity_support.js';
import { CUSTOM_CFG } from '../darknet/custom_cfgs.js';
import { EVERY_LAYER_CFG } from './cfgs.js';
import { checkOnnx, runOnnx, session, writeModel } from './onnx_support.js';

const TOL = 1e-4;

function randomInput(shape: number[], seed: number): Float32Array {
  torch.manualSeed(seed);
  return torch.tidy(() => torch.rand(shape).dataSync() as Float32Array);
}

/** Largest activated-space difference between our raw heads and the session's outputs. */
async function rawDiff(model: Darknet, bytes: Uint8Array, input: Float32Array, shape: number[]): Promise<number> {
  const out = await runOnnx(await session(bytes), input, shape);
  return torch.tidy(() => {
    const heads = torch.noGrad(() => model.forwardHeads(torch.tensor(input, { shape })));
    return Math.max(...heads.map((h, i) => {
      const o = out[`head${i}`];
      assert.deepEqual(o.dims, h.shape);
      return P.maxAbsDiff(darknetYoloOutput(h).dataSync() as Float32Array, darknetYoloOutput(torch.tensor(o.data, { shape: o.dims })).dataSync() as Float32Array);
    }));
  });
}

test('opsets 13 to 17: each passes the checker and shape inference and runs in onnxruntime', async (t) => {
  const start = torch.memory().tensors;
  const model = new Darknet(parseCfg(EVERY_LAYER_CFG, { file: 'every-layer.cfg' })).eval();
  P.randomizeWeights(model, 7);
  const shape = [1, 3, 64, 64];
  const input = randomInput(shape, 1);
  assert.deepEqual([...OPSETS], [13, 14, 15, 16, 17]);
  for (const opset of OPSETS) {
    for (const output of ['raw', 'decoded', 'nms'] as const) {
      const bytes = exportOnnx(model, { output, opset, nms: { conf: 0.3 } });
      const checked = checkOnnx(t, writeModel(bytes));
      if (checked) {
        assert.equal(checked.opset, opset);
        assert.equal(checked.irVersion, opset <= 14 ? 7 : 8);
      }
      if (output === 'raw') {
        const d = await rawDiff(model, bytes, input, shape);
        t.diagnostic(`opset ${opset}: raw heads max |diff| ${d.toExponential(2)}`);
        assert.ok(d <= TOL);
      } else {
        await runOnnx(await session(bytes), input, shape);
      }
    }
  }
  model.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('dynamic batch: the batch dimension is named and two images run as one batch', async (t) => {
  const model = new Darknet(parseCfg(CUSTOM_CFG, { file: 'custom.cfg' })).eval();
  P.randomizeWeights(model, 8);
  const shape = [2, 3, 96, 96];
  const input = randomInput(shape, 2);
  for (const output of ['raw', 'decoded'] as const) {
    const bytes = exportOnnx(model, { output, batch: 'dynamic' });
    const checked = checkOnnx(t, writeModel(bytes));
    if (checked) {
      assert.deepEqual(checked.inputs, { images: ['batch', 3, 96, 96] });
      for (const dims of Object.values(checked.outputs)) assert.equal(dims[0], 'batch');
    }
    if (output === 'raw') assert.ok((await rawDiff(model, bytes, input, shape)) <= TOL);
  }
  // a fixed batch of 2 takes two images, and only two
  const fixed = exportOnnx(model, { output: 'raw', batch: 2 });
  assert.ok((await rawDiff(model, fixed, input, shape)) <= TOL);
  await assert.rejects(runOnnx(await session(fixed), input.subarray(0, 3 * 96 * 96), [1, 3, 96, 96]));
  model.dispose();
});

test('another input size (non-square), and the metadata a consumer needs', async (t) => {
  const model = new Darknet(parseCfg(CUSTOM_CFG, { file: 'custom.cfg' })).eval();
  P.randomizeWeights(model, 9);
  const shape = [1, 3, 64, 128];
  const bytes = exportOnnx(model, { size: [128, 64], output: 'raw', names: ['cat', 'dog'], resize: 'stretch', source: { cfg: '/x/custom.cfg', weights: '/x/w.weights' } });
  assert.ok((await rawDiff(model, bytes, randomInput(shape, 3), shape)) <= TOL);
  const checked = checkOnnx(t, writeModel(bytes));
  if (checked) {
    assert.deepEqual(checked.inputs, { images: [1, 3, 64, 128] });
    assert.deepEqual(checked.outputs, { head0: [1, 3, 32, 64, 7], head1: [1, 3, 64, 128, 7] });
    const m = checked.metadata;
    assert.deepEqual(JSON.parse(m.names), ['cat', 'dog']);
    assert.deepEqual([m.input_width, m.input_height, m.resize, m.output, m.cfg, m.weights], ['128', '64', 'stretch', 'raw', 'custom.cfg', 'w.weights']);
    const heads = JSON.parse(m.heads) as { shape: number[]; anchors: number[][]; stride: number[] }[];
    assert.deepEqual(heads.map((h) => h.stride), [[2, 2], [1, 1]]);
    assert.deepEqual(heads[1].anchors, [[4, 6], [8, 10], [12, 16]]);
  }
  model.dispose();
});

test('bad options are errors naming the option', () => {
  const model = new Darknet(parseCfg(CUSTOM_CFG, { file: 'custom.cfg' })).eval();
  assert.throws(() => exportOnnx(model, { opset: 12 }), /opset 12 is not supported \(13 to 17\)/);
  assert.throws(() => exportOnnx(model, { opset: 18 }), /opset 18 is not supported/);
  assert.throws(() => exportOnnx(model, { names: ['a'] }), /1 class names for a model with 2 classes/);
  assert.throws(() => exportOnnx(model, { batch: 0 }), /batch 0 must be a positive integer/);
  assert.throws(() => exportOnnx(model, { output: 'nms', nms: { iou: 1.5 } }), /iou must be in \[0, 1\]/);
  // a size the cfg cannot take: darknet's shape rules name the layer's line
  assert.throws(() => exportOnnx(model, { size: [97, 97] }), /^CfgError: custom\.cfg:\d+: \[route\] layer 0 is 97x97 but layer 12 is 98x98/);
  model.dispose();
});
