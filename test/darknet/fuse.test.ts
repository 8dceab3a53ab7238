// Darknet.fuseForInference: the folded, channels-last inference forward
// against the unfolded one (darknet's own batch-norm formula, conv_block.ts),
// its rebuild after parameters change, and its tensors freed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Darknet, parseCfg } from '../../src/darknet/index.js';
import { CUSTOM_CFG } from './custom_cfgs.js';
import { randomizeWeights } from './parity_support.js';

function maxDiff(a: torch.Tensor, b: torch.Tensor): number {
  return torch.tidy(() => a.sub(b).abs().max().item() as number);
}

test('fused inference equals the unfolded forward, follows in-place parameter changes, and frees its weights', () => {
  const start = torch.memory().tensors;
  const model = new Darknet(parseCfg(CUSTOM_CFG)).eval();
  randomizeWeights(model, 7);
  const x = torch.rand([2, 3, 96, 96]);
  const plain = () => torch.noGrad(() => model.fuseForInference(false).predict(x));
  const fused = () => torch.noGrad(() => model.fuseForInference().predict(x));
  const params = torch.memory().tensors;
  const [a, b] = [plain(), fused()];
  assert.ok(maxDiff(a, b) < 1e-4, `fused differs by ${maxDiff(a, b)}`);
  assert.ok(torch.memory().tensors > params + 2, 'fused weights are kept between forwards');
  // an in-place write (as loading weights, an optimizer or EMA step) must reach the fused forward
  const bn = model.blocks.find((blk) => blk?.bn)!.bn!;
  torch.noGrad(() => bn.runningMean.add_(0.5));
  const [c, d] = [plain(), fused()];
  assert.ok(maxDiff(a, c) > 1e-3, 'the change moves the outputs');
  assert.ok(maxDiff(c, d) < 1e-4, `after the change fused differs by ${maxDiff(c, d)}`);
  // under autograd, or in training, the fused model runs the unfolded layers
  const e = torch.tidy(() => (model.fuseForInference().predict(x)));
  assert.ok(maxDiff(c, e) < 1e-4);
  torch.dispose([a, b, c, d, e]);
  model.fuseForInference(false);
  assert.equal(torch.memory().tensors, params, 'fuseForInference(false) frees the folded weights');
  fused().dispose();
  x.dispose();
  model.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('a fused shortcut that adds into the conv before it leaves that conv output intact when it is asked for', () => {
  const start = torch.memory().tensors;
  const model = new Darknet(parseCfg(CUSTOM_CFG)).eval();
  randomizeWeights(model, 3);
  const x = torch.rand([1, 3, 96, 96]);
  // layer 7 is [shortcut] from=-3 after the conv of layer 6, which nothing else reads
  const plain = torch.noGrad(() => model.fuseForInference(false).forwardLayers(x, [6, 7]));
  const fused = torch.noGrad(() => model.fuseForInference().forwardLayers(x, [6, 7]));
  const alone = torch.noGrad(() => model.forwardLayers(x, [7]));
  assert.ok(maxDiff(plain[0], fused[0]) < 1e-4, `layer 6 differs by ${maxDiff(plain[0], fused[0])}`);
  assert.ok(maxDiff(plain[1], fused[1]) < 1e-4, `layer 7 differs by ${maxDiff(plain[1], fused[1])}`);
  assert.ok(maxDiff(plain[1], alone[0]) < 1e-4, 'the in-place sum equals the plain one');
  assert.ok(maxDiff(fused[0], fused[1]) > 1e-3, 'the shortcut changes its input');
  torch.dispose([plain, fused, alone, x]);
  model.dispose();
  assert.equal(torch.memory().tensors, start);
});

/** A [convolutional] section with batch norm, stride 1, same padding. */
const conv = (filters: number, size: number, activation: string) =>
  `[convolutional]\nbatch_normalize=1\nfilters=${filters}\nsize=${size}\nstride=1\npad=1\nactivation=${activation}\n`;
const linearShortcut = (from: number) => `[shortcut]\nfrom=${from}\nactivation=linear\n`;

const RESIDUAL_CFG = [
  '[net]\nwidth=32\nheight=32\nchannels=3\n',
  conv(8, 3, 'leaky'), conv(4, 1, 'leaky'), conv(8, 3, 'leaky'), linearShortcut(-3), // 0-3
  conv(4, 1, 'leaky'), conv(8, 3, 'linear'), linearShortcut(-3), // 4-6
  conv(8, 3, 'linear'), linearShortcut(-2), // 7-8
].join('\n');

// layers 3 and 6 are shortcuts from a conv and from a shortcut; layer 8's from (6) is the input of
// the conv before it (7), which must not write into what it reads: not fused
test('plain shortcuts are added in the conv before them (from a conv and from a shortcut), as the unfused sum', () => {
  const start = torch.memory().tensors;
  const model = new Darknet(parseCfg(RESIDUAL_CFG)).eval();
  randomizeWeights(model, 5);
  let added = 0;
  for (const block of model.blocks) {
    if (!block) continue;
    const forwardInto = block.forwardInto.bind(block);
    block.forwardInto = (x, into) => {
      const r = forwardInto(x, into);
      if (r) added++;
      return r;
    };
  }
  const x = torch.rand([2, 3, 32, 32]);
  const [plain] = torch.noGrad(() => model.fuseForInference(false).forwardLayers(x, [8]));
  const [fused] = torch.noGrad(() => model.fuseForInference().forwardLayers(x, [8]));
  assert.ok(maxDiff(plain, fused) < 1e-4, `differs by ${maxDiff(plain, fused)}`);
  assert.equal(added, 2, 'layers 3 and 6 added in the conv pass (oneDNN built in), 8 not');
  torch.dispose([plain, fused, x]);
  model.dispose();
  assert.equal(torch.memory().tensors, start);
});
