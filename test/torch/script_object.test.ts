// Script objects (TorchScript custom class instances) as opaque handles:
// made by one operator, taken by another, freed by dispose(); a disposed or
// wrong handle is an Error, never a crash. oneDNN's prepacked convolution is
// the operator pair libtorch ships (mkldnn_prepacked::conv2d_prepack / _run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';

test('a prepacked convolution context runs as F.conv2d computes, and is freed by dispose', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const x = torch.rand([2, 6, 9, 11]);
    const w = torch.randn([8, 3, 3, 3]);
    const b = torch.randn([8]);
    const ctx = torch.opObject('mkldnn_prepacked::conv2d_prepack', w, b, [2, 2], [1, 1], [1, 1], 2, x.shape, 'none');
    const y = torch.op('mkldnn_prepacked::conv2d_run', x, ctx);
    const ref = torch.F.conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 });
    assert.deepEqual(y.shape, ref.shape);
    assert.ok((y.sub(ref).abs().max().item() as number) < 1e-5);
    ctx.dispose();
    ctx.dispose(); // idempotent
    assert.ok(ctx.isDisposed);
    assert.throws(() => torch.op('mkldnn_prepacked::conv2d_run', x, ctx), /already disposed/);
  });
  assert.equal(torch.memory().tensors, start);
});

test('an operator that wants a script object refuses a tensor, and opObject refuses a tensor result', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const x = torch.rand([1, 2, 4, 4]);
    assert.throws(() => torch.op('mkldnn_prepacked::conv2d_run', x, x), /expected a script object handle/);
    assert.throws(() => torch.opObject('aten::relu', x), /returned no script object/);
  });
  assert.equal(torch.memory().tensors, start);
});
