// Layer semantics against the C darknet where they are easy to get wrong:
// its batch-norm formula, shortcuts between maps of different sizes and
// channels, maxpool padding, avgpool; and one darknet (2018) bug we do not copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, parseCfg, saveWeights } from '../../src/darknet/index.js';
import { SHARED } from '../support/references.js';
import * as P from './parity_support.js';

const NET = '[net]\nwidth=32\nheight=32\nchannels=3\n';

/** Runs a cfg through our model and the C darknet; returns both outputs of `layers`. */
async function both(exe: string, text: string, layers: number[], tweak: (m: Darknet) => void = () => {}) {
  const dir = P.tmpDir();
  try {
    const cfg = join(dir, 'm.cfg');
    writeFileSync(cfg, text);
    const m = new Darknet(parseCfg(text, { file: cfg })).eval();
    P.randomizeWeights(m, 7);
    torch.noGrad(() => tweak(m));
    saveWeights(m, join(dir, 'm.weights'));
    const { path, data } = await P.imageInput(join(SHARED, 'data/darknet/images/dog.jpg'), 32, 32);
    const x = torch.tensor(data, { shape: [1, 3, 32, 32] });
    const outs = torch.noGrad(() => m.forwardLayers(x, layers));
    const ours = outs.map((t) => t.dataSync() as Float32Array);
    const theirs = P.runDarknet(exe, cfg, join(dir, 'm.weights'), path, layers);
    torch.dispose([x, outs]);
    return { m, ours, theirs: layers.map((l) => theirs.get(l)!), x: data };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('batch norm is darknet\'s (x - mean) / (sqrt(var) + 1e-6), not PyTorch\'s / sqrt(var + eps)', async (t) => {
  const exe = P.darknetRunner(t);
  if (!exe) return;
  const start = torch.memory().tensors;
  // tiny variances make the two formulas differ by about 1%
  const r = await both(exe, `${NET}[convolutional]\nbatch_normalize=1\nfilters=8\nsize=3\npad=1\nactivation=linear\n`, [0], (m) => m.blocks[0]!.bn!.runningVar.uniform_(1e-5, 1e-4));
  const scale = P.maxAbs(r.theirs[0]);
  assert.ok(P.maxAbsDiff(r.ours[0], r.theirs[0]) <= 1e-6 * scale, `relative ${P.maxAbsDiff(r.ours[0], r.theirs[0]) / scale}`);
  const b = r.m.blocks[0]!;
  const torchFormula = torch.tidy(() => {
    const x = torch.tensor(r.x, { shape: [1, 3, 32, 32] });
    return torch.F.batchNorm(b.conv.forward(x), b.bn!.runningMean, b.bn!.runningVar, { weight: b.bn!.weight, bias: b.bn!.bias, eps: 1e-6 }).dataSync() as Float32Array;
  });
  assert.ok(P.maxAbsDiff(torchFormula, r.theirs[0]) > 1e-3 * scale, 'the test can tell the formulas apart');
  r.m.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('shortcut from a larger map with other channels, maxpool 3/2, upsample, avgpool match darknet', async (t) => {
  const exe = P.darknetRunner(t);
  if (!exe) return;
  const text = `${NET}
[convolutional]
batch_normalize=1
filters=16
size=3
pad=1
activation=leaky

[convolutional]
batch_normalize=1
filters=8
size=3
stride=2
pad=1
activation=leaky

# 2: 16x16x8 + every other pixel of layer 0's first 8 channels
[shortcut]
from=0
activation=linear

[convolutional]
batch_normalize=1
filters=32
size=1
activation=leaky

# 4: 32 channels + layer 1's 8: the other 24 pass through
[shortcut]
from=-3
activation=leaky

[upsample]
stride=2

[maxpool]
size=3
stride=2

[avgpool]
`;
  const layers = [2, 4, 5, 6, 7];
  const r = await both(exe, text, layers);
  layers.forEach((l, i) => {
    assert.equal(r.ours[i].length, r.theirs[i].length, `layer ${l}`);
    assert.ok(P.maxAbsDiff(r.ours[i], r.theirs[i]) <= 1e-5, `layer ${l}: ${P.maxAbsDiff(r.ours[i], r.theirs[i])}`);
  });
  r.m.dispose();
});

test('darknet 2018 ignores the stride of 1x1 convolutions; we follow the cfg (as OpenCV does)', async (t) => {
  const exe = P.darknetRunner(t);
  if (!exe) return;
  const r = await both(exe, `${NET}[convolutional]\nfilters=8\nsize=1\nstride=2\nactivation=linear\n`, [0]);
  assert.ok(P.maxAbsDiff(r.ours[0], r.theirs[0]) > 1e-2, 'darknet differs');
  // darknet's forward_convolutional_layer skips im2col when size == 1 and reads the first c*16*16 input values as is
  const b = r.m.blocks[0]!;
  const quirk = torch.tidy(() => {
    const flat = torch.tensor(r.x).slice(0, 0, 3 * 16 * 16).reshape([1, 3, 16, 16]);
    return torch.F.conv2d(flat, b.conv.weight, b.conv.bias).dataSync() as Float32Array;
  });
  assert.ok(P.maxAbsDiff(quirk, r.theirs[0]) <= 1e-5, 'the difference is exactly the skipped im2col');
  r.m.dispose();
});
