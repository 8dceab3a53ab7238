// `yolov3 export` end to end: a .weights file and a training checkpoint to
// .onnx files (read back by python3-onnx), raw heads against the ones
// `detect --save-raw` writes, and each error case: an unsupported layer or
// option names the cfg file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, parseCfg, saveWeights } from '../../src/darknet/index.js';
import { saveTrainingState } from '../../src/train/training_state.js';
import { REPO_ROOT, sharedPath } from '../support/references.js';
import { CUSTOM_CFG } from '../darknet/custom_cfgs.js';
import { maxAbsDiff, randomizeWeights } from '../darknet/parity_support.js';
import { checkOnnx, runOnnx, session } from '../export/onnx_support.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

function yolov3(args: string[], command = 'export'): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [MAIN, command, ...args], { encoding: 'utf8', timeout: 120_000 });
}

/** The custom cfg and random weights for it, written to a new folder. */
function files(): { dir: string; cfg: string; weights: string } {
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-export-'));
  const cfg = join(dir, 'model.cfg');
  writeFileSync(cfg, CUSTOM_CFG);
  const model = new Darknet(parseCfg(CUSTOM_CFG, { file: cfg }));
  randomizeWeights(model, 3);
  saveWeights(model, join(dir, 'model.weights'));
  model.dispose();
  return { dir, cfg, weights: join(dir, 'model.weights') };
}

/** 1-based line of the first line of `text` containing `needle` after line `after`. */
function lineOf(text: string, needle: string, after = 0): number {
  return text.split('\n').findIndex((l, i) => i >= after && l.includes(needle)) + 1;
}

test('export writes .onnx from darknet .weights (names, size, batch, opset) and from a checkpoint (its class names)', (t) => {
  const { dir, cfg, weights } = files();
  writeFileSync(join(dir, 'two.names'), 'cat\ndog\n');
  const out = join(dir, 'a.onnx');
  const r = yolov3(['--cfg', cfg, '--weights', weights, '--out', out, '--names', join(dir, 'two.names'), '--img-size', '128,96', '--dynamic-batch', '--opset', '17']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /a\.onnx: [\d.]+ MiB, opset 17, input images \[batch, 3, 96, 128\], output decoded/);
  const a = checkOnnx(t, out);
  if (a) {
    assert.deepEqual(a.inputs, { images: ['batch', 3, 96, 128] });
    assert.deepEqual(a.outputs, { predictions: ['batch', 3 * (48 * 64 + 96 * 128), 7] });
    assert.deepEqual(JSON.parse(a.metadata.names), ['cat', 'dog']);
    assert.equal(a.opset, 17);
  }
  // a training checkpoint records its dataset's class names
  const model = new Darknet(parseCfg(CUSTOM_CFG, { file: cfg }));
  saveTrainingState(join(dir, 'last.safetensors'), { model, epoch: 0, iteration: 0, classNames: ['circle', 'square'], saveRng: false });
  model.dispose();
  const b = yolov3(['--cfg', cfg, '--weights', join(dir, 'last.safetensors'), '--out', join(dir, 'b.onnx'), '--nms', '--conf', '0.5']);
  assert.equal(b.status, 0, b.stderr);
  const checked = checkOnnx(t, join(dir, 'b.onnx'));
  if (checked) {
    assert.deepEqual(JSON.parse(checked.metadata.names), ['circle', 'square']);
    assert.equal(JSON.parse(checked.metadata.nms).conf, 0.5);
    assert.deepEqual(checked.outputs, { detections: ['num_detections', 7] });
  }
});

test('--head raw: on the input `detect --save-raw` saves, the exported heads equal the heads it saves', async (t) => {
  const dog = sharedPath(t, 'data/darknet/images/dog.jpg');
  if (!dog) return;
  const { dir, cfg, weights } = files();
  const r = yolov3(['--cfg', cfg, '--weights', weights, '--source', dog, '--save-raw', join(dir, 'raw')], 'detect');
  assert.equal(r.status, 0, r.stderr);
  const e = yolov3(['--cfg', cfg, '--weights', weights, '--out', join(dir, 'raw.onnx'), '--head', 'raw']);
  assert.equal(e.status, 0, e.stderr);
  const npy = (name: string) => torch.tidy(() => {
    const x = torch.io.loadNpy(join(dir, 'raw', `dog.${name}.npy`));
    return { data: x.dataSync() as Float32Array, dims: x.shape };
  });
  const input = npy('input');
  const out = await runOnnx(await session(readFileSync(join(dir, 'raw.onnx'))), input.data, input.dims);
  for (const k of [0, 1]) {
    const saved = npy(`head${k}`);
    assert.deepEqual(out[`head${k}`].dims, saved.dims);
    // raw values, before any activation: the tensors themselves
    const d = maxAbsDiff(out[`head${k}`].data, saved.data);
    t.diagnostic(`head${k}: max |diff| ${d.toExponential(2)}`);
    assert.ok(d <= 1e-4, `head${k}: ${d}`);
  }
});

test('export errors: unsupported layers and options name the cfg file and line; bad arguments are usage errors', () => {
  const { dir, cfg, weights } = files();
  const out = join(dir, 'x.onnx');
  const withText = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const oneError = (r: { status: number | null; stderr: string }, status: number, re: RegExp) => {
    assert.equal(r.status, status, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  };

  // a darknet layer this toolkit does not build
  const local = CUSTOM_CFG.replace('[dropout]', '[local]');
  oneError(yolov3(['--cfg', withText('local.cfg', local), '--weights', weights, '--out', out]), 1,
    new RegExp(`local\\.cfg:${lineOf(local, '[local]')}: \\[local\\] is a darknet layer this toolkit does not implement`));
  // an option of a supported layer that is not implemented
  const dilated = CUSTOM_CFG.replace('groups=16\n', 'groups=16\ndilation=2\n');
  oneError(yolov3(['--cfg', withText('dilated.cfg', dilated), '--weights', weights, '--out', out]), 1,
    new RegExp(`dilated\\.cfg:${lineOf(dilated, 'dilation=2')}: \\[convolutional\\] dilation=2 is not supported`));
  // heads with different class counts cannot share one decoded output
  const second = lineOf(CUSTOM_CFG, '[yolo]', lineOf(CUSTOM_CFG, '[yolo]'));
  const mixed = CUSTOM_CFG.replace(/size=3\npad=1\nfilters=21\nactivation=linear\n\n# 15\n\[yolo\]\nmask = 0,1,2\n(.*)\nclasses=2/, 'size=3\npad=1\nfilters=24\nactivation=linear\n\n# 15\n[yolo]\nmask = 0,1,2\n$1\nclasses=3');
  assert.notEqual(mixed, CUSTOM_CFG);
  const mixedCfg = withText('mixed.cfg', mixed);
  const mixedModel = Darknet.fromFile(mixedCfg);
  saveWeights(mixedModel, join(dir, 'mixed.weights'));
  mixedModel.dispose();
  oneError(yolov3(['--cfg', mixedCfg, '--weights', join(dir, 'mixed.weights'), '--out', out]), 1,
    new RegExp(`mixed\\.cfg:${second}: \\[yolo\\] classes=3 differs from the first \\[yolo\\] layer's 2`));
  // an input size the cfg's layers cannot take
  oneError(yolov3(['--cfg', cfg, '--weights', weights, '--out', out, '--img-size', '97']), 1,
    new RegExp(`model\\.cfg:${lineOf(CUSTOM_CFG, 'layers = -1, 0') - 1}: \\[route\\] layer 0 is 97x97`));
  // weights of another cfg
  oneError(yolov3(['--cfg', mixedCfg, '--weights', weights, '--out', out]), 1, /model\.weights: file too short for .*mixed\.cfg/);
  // names that do not fit the cfg
  writeFileSync(join(dir, 'three.names'), 'a\nb\nc\n');
  oneError(yolov3(['--cfg', cfg, '--weights', weights, '--out', out, '--names', join(dir, 'three.names')]), 1, /three\.names has 3 class names, but .*model\.cfg has classes=2/);
  // usage errors
  oneError(yolov3(['--cfg', cfg, '--weights', weights, '--out', out, '--head', 'raw', '--nms']), 2, /--nms needs --head decoded/);
  oneError(yolov3(['--cfg', cfg, '--weights', weights, '--out', out, '--opset', '12']), 2, /--opset must be 13 to 17, got 12/);
  oneError(yolov3(['--cfg', cfg, '--weights', weights, '--out', out, '--batch', '2', '--dynamic-batch']), 2, /--batch N or --dynamic-batch, not both/);
  oneError(yolov3(['--cfg', cfg, '--weights', weights, '--out', out, '--img-size', '64x64']), 2, /--img-size expects N or W,H/);
  oneError(yolov3(['--cfg', cfg, '--weights', weights]), 2, /--out is required/);
});
