// The blocked inference forward (Darknet.#run with nn/blocked.ts): the
// parameter-free layers on blocked tensors against layers.ts on the same
// values, and whole forwards with blocks of 8 and 16 against the unfolded
// forward (darknet's batch-norm formula) on a cfg built to reach every
// blocked path and fallback (blocked_cfg.ts), its tensors freed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Darknet, parseCfg } from '../../src/darknet/index.js';
import * as L from '../../src/darknet/layers.js';
import { blockedOutputs, blockedRoute, blockedShortcut, blockedUpsample, blockedMaxpool, denseKernelShare } from '../../src/darknet/blocked_layers.js';
import { layerShapes } from '../../src/darknet/shapes.js';
import { nativeBlockSize, fromBlocked, toBlocked } from '../../src/nn/index.js';
import { BLOCKED_CFG } from './blocked_cfg.js';
import { randomizeWeights } from './parity_support.js';
import type { MaxPoolSpec, RouteSpec, ShortcutSpec, UpsampleSpec } from '../../src/darknet/specs.js';

const maxDiff = (a: torch.Tensor, b: torch.Tensor) => torch.tidy(() => a.sub(b).abs().max().item() as number);
const hasBlocked = torch.hasOp('yolo::dnnl_block_size');
const base = { index: 0, where: { file: 'test.cfg', line: 1 }, extra: {} };

test('blocked route, shortcut, upsample and maxpool equal layers.ts on the same values, or decline (null)', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const a = torch.randn([2, 16, 6, 6]), b = torch.randn([2, 8, 6, 6]), c = torch.randn([2, 12, 6, 6]);
    const blk = (t: torch.Tensor) => toBlocked(t, 8);
    const outs = [blk(a), blk(b), blk(c)];
    const channels = [16, 8, 12];
    const route = (layers: number[], groups = 1, groupId = 0): RouteSpec => ({ ...base, type: 'route', layers, groups, groupId });
    const cat = blockedRoute(route([0, 1]), outs, channels)!;
    assert.equal(maxDiff(fromBlocked(cat, 24), L.route(route([0, 1]), [a, b, c])), 0);
    const group = blockedRoute(route([0], 2, 1), outs, channels)!;
    assert.equal(maxDiff(fromBlocked(group, 8), L.route(route([0], 2, 1), [a, b, c])), 0);
    assert.equal(blockedRoute(route([0, 2]), outs, channels), null, '12 channels fill no whole block');
    assert.equal(blockedRoute(route([1], 2, 0), outs, channels), null, 'a group of 4 channels');

    const sc = (activation: ShortcutSpec['activation'], alpha = 1, beta = 1): ShortcutSpec => ({ ...base, type: 'shortcut', from: 0, activation, alpha, beta });
    const a2 = torch.randn([2, 16, 6, 6]);
    for (const spec of [sc('linear'), sc('leaky', 0.5, 2)]) {
      const got = blockedShortcut(spec, blk(a2), outs[0], true, false)!;
      assert.ok(maxDiff(fromBlocked(got, 16), L.shortcut(spec, a2, a)) < 1e-6, spec.activation);
    }
    assert.equal(blockedShortcut(sc('logistic'), blk(a2), outs[0], true, false), null, 'logistic would make the zeros past C 0.5');
    assert.equal(blockedShortcut(sc('linear'), outs[2], outs[1], false, false), null, 'different channel counts');

    const up: UpsampleSpec = { ...base, type: 'upsample', stride: 2, scale: 0.5 };
    assert.equal(maxDiff(fromBlocked(blockedUpsample(up, outs[2])!, 12), L.upsample(up, c)), 0);
    for (const [size, stride, padding] of [[2, 2, 1], [3, 1, 2], [2, 1, 1]]) {
      const mp: MaxPoolSpec = { ...base, type: 'maxpool', size, stride, padding };
      const got = blockedMaxpool(mp, outs[2])!;
      assert.equal(maxDiff(fromBlocked(got, 12), L.maxpool(mp, c)), 0, `maxpool ${size}/${stride}`);
      assert.equal(got.slice(1, 1).slice(4, 4).abs().max().item(), 0, 'zeros past C');
    }
    assert.equal(blockedUpsample(up, c), null, 'a plain input');
  });
  assert.equal(torch.memory().tensors, start);
});

test('blockedOutputs: a conv writes blocked when every reader takes it, not before a yolo head or with an activation oneDNN does not fuse', () => {
  const cfg = parseCfg(BLOCKED_CFG);
  const blocked = blockedOutputs(cfg.layers, (l) => l.type === 'convolutional' && ['leaky', 'relu', 'linear'].includes(l.activation));
  const convs = cfg.layers.flatMap((l, i) => (l.type === 'convolutional' ? [i] : []));
  assert.deepEqual(convs.filter((i) => blocked[i]), [0, 2, 3, 7, 11, 13, 18]);
});

test('blocked inference forwards (blocks of 8 and 16) equal the unfolded forward on every blocked path and fallback', { skip: !hasBlocked && 'no oneDNN ops' }, () => {
  const start = torch.memory().tensors;
  const model = new Darknet(parseCfg(BLOCKED_CFG)).eval();
  randomizeWeights(model, 3);
  const x = torch.rand([2, 3, 64, 64]);
  const saved = process.env.YOLO_DNNL_BLOCK;
  try {
    const want = torch.noGrad(() => model.fuseForInference(false).forwardHeads(x));
    for (const block of ['0', '8', '16']) {
      process.env.YOLO_DNNL_BLOCK = block;
      const got = torch.noGrad(() => model.fuseForInference().forwardHeads(x));
      got.forEach((h, i) => assert.ok(maxDiff(h, want[i]) < 1e-4, `block ${block}, head ${i}: differs by ${maxDiff(h, want[i])}`));
      // this CPU's own block runs its convolutions blocked (blocks it lacks fast kernels for fall back to channels-last)
      // (fewer at 16: the route group of 8 channels is half a block there, so it and what reads it fall back)
      if (Number(block) === nativeBlockSize()) assert.ok(model.lastBlockedOutputs >= (block === '8' ? 10 : 8), `block ${block}: ${model.lastBlockedOutputs} blocked outputs`);
      if (block === '0') assert.equal(model.lastBlockedOutputs, 0);
      torch.dispose(got);
    }
    torch.dispose(want);
  } finally {
    if (saved === undefined) delete process.env.YOLO_DNNL_BLOCK;
    else process.env.YOLO_DNNL_BLOCK = saved;
    x.dispose();
    model.dispose();
  }
  assert.equal(torch.memory().tensors, start);
});

test('denseKernelShare: the multiply-adds of dense k x k convolutions over all, by hand; the default layout follows it on AVX-512', { skip: !hasBlocked && 'no oneDNN ops' }, () => {
  const cfg = parseCfg([
    '[net]\nwidth=32\nheight=32\nchannels=3\n\n',
    '[convolutional]\nfilters=16\nsize=3\nstride=2\npad=1\nactivation=leaky\n\n', // 16x16: 16·256·3·9 = 110592
    '[convolutional]\nfilters=32\nsize=1\nstride=1\npad=1\nactivation=leaky\n\n', // 32·256·16 = 131072
    '[convolutional]\nfilters=32\nsize=3\nstride=1\npad=1\ngroups=32\nactivation=leaky\n\n', // 32·256·1·9 = 73728
    '[convolutional]\nfilters=21\nsize=1\nstride=1\npad=1\nactivation=linear\n\n', // 21·256·32 = 172032
    '[yolo]\nmask=0,1,2\nanchors=4,6, 8,10, 12,16\nclasses=2\nnum=3\n',
  ].join(''));
  const share = denseKernelShare(cfg.layers, layerShapes(cfg, 32, 32));
  assert.ok(Math.abs(share - 110592 / (110592 + 131072 + 73728 + 172032)) < 1e-12, `share ${share}`);
  const saved = process.env.YOLO_DNNL_BLOCK;
  delete process.env.YOLO_DNNL_BLOCK;
  const model = new Darknet(cfg).eval().fuseForInference();
  try {
    // mostly 1x1 and depthwise: blocked on AVX2 and on AVX-512 alike
    torch.tidy(() => torch.noGrad(() => model.forwardHeads(torch.rand([1, 3, 32, 32]))));
    assert.ok(model.lastBlockedOutputs >= 2, `${model.lastBlockedOutputs} blocked outputs`);
  } finally {
    if (saved !== undefined) process.env.YOLO_DNNL_BLOCK = saved;
    model.dispose();
  }
});
