import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Darknet, CfgError, headLayout } from '../../src/darknet/index.js';
import { sharedPath } from '../support/references.js';
import { CUSTOM_CFG } from './custom_cfgs.js';

function tensorsAfter(fn: () => void): number {
  const start = torch.memory().tensors;
  fn();
  return torch.memory().tensors - start;
}

test('yolov3-tiny: raw heads in training, decoded boxes in eval, at 416 and 320', (t) => {
  const p = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  if (!p) return;
  const leaked = tensorsAfter(() => {
    const m = Darknet.fromFile(p);
    assert.deepEqual(m.heads.map((h) => [h.layer, h.anchors]), [[16, [[81, 82], [135, 169], [344, 319]]], [23, [[10, 14], [23, 27], [37, 58]]]]);
    assert.deepEqual(m.strides(416, 416), [[32, 32], [16, 16]]);
    const params = torch.memory().tensors;
    for (const size of [416, 320]) {
      const x = torch.rand([2, 3, size, size]);
      const heads = m.train().forward(x) as torch.Tensor[];
      assert.deepEqual(heads.map((h) => h.shape), [[2, 3, size / 32, size / 32, 85], [2, 3, size / 16, size / 16, 85]]);
      const boxes = torch.noGrad(() => m.eval().forward(x)) as torch.Tensor;
      assert.deepEqual(boxes.shape, [2, 3 * ((size / 32) ** 2 + (size / 16) ** 2), 85]);
      torch.dispose([x, heads, boxes]);
      assert.equal(torch.memory().tensors, params);
    }
    m.dispose();
  });
  assert.equal(leaked, 0);
});

test('a training step (forward, loss, backward) leaves the tensor count where it was', (t) => {
  const p = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  if (!p) return;
  const m = Darknet.fromFile(p).train();
  const start = torch.memory().tensors;
  const x = torch.rand([1, 3, 128, 128]);
  torch.tidy(() => {
    const heads = m.forwardHeads(x);
    const loss = torch.cat(heads.map((h) => h.reshape([-1])), 0).square().mean();
    loss.backward();
  });
  x.dispose();
  assert.equal(torch.memory().tensors, start);
  const g = m.blocks[0]!.conv.weight.grad;
  assert.ok(g && g.abs().sum().item() > 0, 'gradients reach the first layer');
  g?.dispose();
  m.dispose();
});

test('yolov3 at 416: one eval forward leaves memory().tensors unchanged apart from the parameters', (t) => {
  const p = sharedPath(t, 'data/darknet/cfg/yolov3.cfg');
  if (!p) return;
  const start = torch.memory().tensors;
  const m = Darknet.fromFile(p).eval();
  const owned = m.stateDict().size;
  assert.equal(torch.memory().tensors - start, owned);
  const x = torch.rand([1, 3, 416, 416]);
  const out = torch.noGrad(() => m.forward(x)) as torch.Tensor;
  assert.deepEqual(out.shape, [1, 10647, 85]);
  torch.dispose([x, out]);
  assert.equal(torch.memory().tensors - start, owned);
  m.dispose();
  assert.equal(torch.memory().tensors, start);
});

test('headLayout: darknet channel order [anchor][5+nc] to [B, na, h, w, 5+nc]', () => {
  const x = torch.arange(0, 2 * 7 * 2 * 3, 1, { dtype: 'float32' }).view([1, 14, 2, 3]);
  const y = headLayout(x, 2);
  assert.deepEqual(y.shape, [1, 2, 2, 3, 7]);
  // anchor 1, row 1, col 2, entry 4 = channel 1*7+4 at spatial 1*3+2
  assert.equal(y.index(0, 1, 1, 2, 4).item(), (7 + 4) * 6 + 5);
  torch.dispose([x, y]);
});

test('custom cfg: dropout is identity in eval and active in training', () => {
  const m = Darknet.fromText(CUSTOM_CFG);
  const x = torch.rand([1, 3, 96, 96]);
  const [a, b] = [0, 1].map(() => torch.noGrad(() => m.eval().forwardHeads(x)));
  assert.ok(a[0].allclose(b[0]), 'eval is deterministic');
  // in training the batch norm uses batch statistics and dropout drops; the output differs
  const c = torch.noGrad(() => m.train().forwardHeads(x));
  assert.ok(!c[0].allclose(a[0]));
  torch.dispose([x, a, b, c]);
  m.dispose();
});

test('errors: wrong channels, an input size the cfg cannot take (naming the route line)', (t) => {
  const p = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  if (!p) return;
  const m = Darknet.fromFile(p);
  const start = torch.memory().tensors;
  const x1 = torch.rand([1, 1, 64, 64]);
  assert.throws(() => m.forward(x1), /expected input \[B, 3, H, W\], got \[1,1,64,64\]/);
  const x2 = torch.rand([1, 3, 100, 100]);
  assert.throws(() => m.forward(x2), (e: unknown) => e instanceof CfgError && e.line === 156 && /\[route\] layer 8 is 7x7 but layer 19 is 8x8/.test(e.message));
  torch.dispose([x1, x2]);
  assert.equal(torch.memory().tensors, start);
  m.dispose();
});

test('forwardLayers: darknet-layout outputs of chosen layers, nothing else kept', () => {
  const m = Darknet.fromText(CUSTOM_CFG).eval();
  const start = torch.memory().tensors;
  const x = torch.rand([1, 3, 96, 96]);
  const [l5, l9, again, l13] = torch.noGrad(() => m.forwardLayers(x, [5, 9, 9, 13]));
  assert.deepEqual([l5.shape, l9.shape, l13.shape], [[1, 32, 48, 48], [1, 21, 48, 48], [1, 32, 96, 96]]);
  assert.ok(again.allclose(l9) && again !== l9);
  const heads = torch.noGrad(() => m.forwardHeads(x));
  const head = heads[0];
  // the [yolo] layer's output is the raw head with sigmoid on x, y, objectness and classes
  assert.ok(torch.tidy(() => l9.view([1, 3, 7, 48, 48]).select(2, 2).allclose(head.select(4, 2))));
  assert.ok(torch.tidy(() => l9.view([1, 3, 7, 48, 48]).select(2, 4).allclose(head.select(4, 4).sigmoid())));
  assert.throws(() => m.forwardLayers(x, [16]), /no layer 16/);
  torch.dispose([x, l5, l9, again, l13, heads]);
  assert.equal(torch.memory().tensors, start);
  m.dispose();
});

test('on CUDA: the same boxes as on the CPU', (t) => {
  if (!torch.cuda.isAvailable()) {
    t.skip('no CUDA device');
    return;
  }
  const m = Darknet.fromText(CUSTOM_CFG).eval();
  const x = torch.rand([1, 3, 96, 96]);
  const cpu = torch.noGrad(() => m.predict(x));
  m.to('cuda');
  const gpu = torch.tidy(() => torch.noGrad(() => m.predict(x.cuda())).cpu());
  assert.ok(gpu.allclose(cpu, 1e-4, 1e-4));
  torch.dispose([x, cpu, gpu]);
  m.dispose();
});
