// Creation, dtypes, shapes, maths and reductions on hand-computed cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';

test('creation from nested arrays, typed arrays and fills', () => {
  torch.tidy(() => {
    const a = torch.tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(a.shape, [2, 3]);
    assert.equal(a.dtype, 'float32');
    assert.deepEqual(a.tolist(), [[1, 2, 3], [4, 5, 6]]);
    assert.equal(torch.tensor([true, false]).dtype, 'bool');
    assert.deepEqual(torch.tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] }).tolist(), [[1, 2], [3, 4]]);
    assert.equal(torch.tensor([1, 2], { dtype: 'int64' }).dtype, 'int64');
    assert.deepEqual(torch.full([2], 7, { dtype: 'int32' }).tolist(), [7, 7]);
    assert.deepEqual(torch.arange(1, 7, 2).tolist(), [1, 3, 5]);
    assert.equal(torch.arange(4).dtype, 'int64');
    assert.deepEqual(torch.linspace(0, 1, 5).tolist(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(torch.eye(2).tolist(), [[1, 0], [0, 1]]);
    assert.throws(() => torch.tensor([[1, 2], [3]]), /ragged/);
    for (const dtype of ['float64', 'int64', 'int32', 'uint8', 'bool', 'float16', 'bfloat16'] as const) {
      assert.equal(torch.ones([2], { dtype }).dtype, dtype);
    }
    assert.deepEqual(torch.ones([2], { dtype: 'float16' }).float().tolist(), [1, 1]);
  });
});

test('seeded random numbers repeat; generators are independent', () => {
  torch.tidy(() => {
    torch.manualSeed(42);
    const a = torch.randn([5]).toArray();
    torch.manualSeed(42);
    assert.deepEqual(torch.randn([5]).toArray(), a);
    const g1 = new torch.Generator(9);
    const g2 = new torch.Generator(9);
    const x = torch.rand([4], { generator: g1 }).toArray();
    torch.randn([100]); // the global generator does not disturb g2
    assert.deepEqual(torch.rand([4], { generator: g2 }).toArray(), x);
    const state = g1.getState();
    const next = torch.randint(0, 100, [6], { generator: g1 }).toArray();
    g1.setState(state);
    assert.deepEqual(torch.randint(0, 100, [6], { generator: g1 }).toArray(), next);
    const u = torch.rand([1000]).toArray();
    assert.ok(u.every((v) => v >= 0 && v < 1));
  });
});

test('views and shape operations', () => {
  torch.tidy(() => {
    const x = torch.arange(24).reshape([2, 3, 4]);
    assert.deepEqual(x.permute([2, 0, 1]).shape, [4, 2, 3]);
    assert.deepEqual(x.transpose(0, 2).contiguous().view([4, 6]).shape, [4, 6]);
    assert.deepEqual(x.unsqueeze(1).shape, [2, 1, 3, 4]);
    assert.deepEqual(x.unsqueeze(1).squeeze(1).shape, [2, 3, 4]);
    assert.deepEqual(torch.tensor([[1], [2]]).expand([2, 3]).tolist(), [[1, 1, 1], [2, 2, 2]]);
    assert.deepEqual(x.slice(2, 1, null, 2).select(0, 0).tolist(), [[1, 3], [5, 7], [9, 11]]);
    assert.deepEqual(x.narrow(1, 1, 1).flatten().toArray(), [4, 5, 6, 7, 16, 17, 18, 19]);
    assert.deepEqual(torch.arange(4).flip(0).tolist(), [3, 2, 1, 0]);
    assert.deepEqual(torch.arange(5).split(2).map((t) => t.tolist()), [[0, 1], [2, 3], [4]]);
    assert.deepEqual(torch.arange(6).chunk(3).map((t) => t.tolist()), [[0, 1], [2, 3], [4, 5]]);
    assert.deepEqual(torch.cat([torch.ones([1, 2]), torch.zeros([1, 2])]).tolist(), [[1, 1], [0, 0]]);
    assert.deepEqual(torch.stack([torch.ones([2]), torch.zeros([2])], 1).tolist(), [[1, 0], [1, 0]]);
    const v = torch.zeros([2, 2]);
    v.select(0, 1).fill_(3); // writes through a view
    assert.deepEqual(v.tolist(), [[0, 0], [3, 3]]);
  });
});

test('arithmetic with broadcasting, scalars and comparisons', () => {
  torch.tidy(() => {
    const a = torch.tensor([[1, 2], [3, 4]]);
    const row = torch.tensor([10, 20]);
    assert.deepEqual(a.add(row).tolist(), [[11, 22], [13, 24]]);
    assert.deepEqual(a.sub(1).mul(2).tolist(), [[0, 2], [4, 6]]);
    assert.deepEqual(a.rsub(1).tolist(), [[0, -1], [-2, -3]]);
    assert.deepEqual(a.div(2).tolist(), [[0.5, 1], [1.5, 2]]);
    assert.deepEqual(torch.tensor([7, -7], { dtype: 'int64' }).div(2, 'floor').tolist(), [3, -4]);
    assert.deepEqual(a.pow(2).tolist(), [[1, 4], [9, 16]]);
    assert.deepEqual(a.clamp(2, 3).tolist(), [[2, 2], [3, 3]]);
    assert.deepEqual(a.minimum(torch.tensor([[2, 2], [2, 2]])).tolist(), [[1, 2], [2, 2]]);
    assert.deepEqual(a.gt(2).tolist(), [[false, false], [true, true]]);
    assert.deepEqual(torch.where(a.gt(2), a, 0).tolist(), [[0, 0], [3, 4]]);
    assert.deepEqual(torch.tensor([-1.5, 0.5, 2.5]).round().tolist(), [-2, 0, 2]);
    assert.deepEqual(torch.tensor([0, 1]).atan().mul(4).toArray().map((v) => +v.toFixed(5)), [0, 3.14159]);
    assert.ok(Math.abs(torch.tensor([0]).sigmoid().item() - 0.5) < 1e-7);
    const x = torch.tensor([1, 2, 3]);
    x.add_(1).mul_(2);
    assert.deepEqual(x.tolist(), [4, 6, 8]);
    assert.deepEqual(torch.tensor([1, 2]).matmul(torch.tensor([[1, 0], [0, 2]])).tolist(), [1, 4]);
  });
});

test('reductions, sort and topk', () => {
  torch.tidy(() => {
    const a = torch.tensor([[3, 1, 2], [6, 5, 4]]);
    assert.equal(a.sum().item(), 21);
    assert.deepEqual(a.sum(1).tolist(), [6, 15]);
    assert.deepEqual(a.mean(0, true).tolist(), [[4.5, 3, 3]]);
    assert.equal(a.max().item(), 6);
    const { values, indices } = a.maxDim(1);
    assert.deepEqual([values.tolist(), indices.tolist()], [[3, 6], [0, 0]]);
    assert.deepEqual(a.argmin(1).tolist(), [1, 2]);
    assert.deepEqual(a.topk(2).values.tolist(), [[3, 2], [6, 5]]);
    assert.deepEqual(torch.tensor([2, 1, 2, 0]).sort(0, true, true).indices.tolist(), [0, 2, 1, 3]);
    assert.deepEqual(a.argsort(1).tolist(), [[1, 2, 0], [2, 1, 0]]);
    assert.deepEqual(torch.tensor([1, 2, 3]).cumsum(0).tolist(), [1, 3, 6]);
    assert.equal(torch.tensor([1, 0]).bool().any().item(), 1);
  });
});

test('autograd: backward, grad, detach, noGrad', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward();
    assert.deepEqual(x.grad!.tolist(), [2, 4, 6]);
    x.mul(3).sum().backward(); // accumulates
    assert.deepEqual(x.grad!.tolist(), [5, 7, 9]);
    x.zeroGrad();
    assert.equal(x.grad, null);
    assert.equal(x.detach().requiresGrad, false);
    const z = torch.noGrad(() => x.mul(2));
    assert.equal(z.requiresGrad, false);
    assert.equal(torch.isGradEnabled(), true);
    assert.throws(() => torch.tensor([1]).sum().backward(), /does not require grad/);
  });
  assert.equal(torch.memory().tensors, start);
});

test('threads: set to the machine cores at load, adjustable', () => {
  const n = torch.getNumThreads();
  assert.ok(n >= 1);
  torch.setNumThreads(1);
  assert.equal(torch.getNumThreads(), 1);
  torch.setNumThreads(n);
  assert.throws(() => torch.setNumThreads(0), /at least 1/);
  assert.equal(typeof torch.cuda.isAvailable(), 'boolean');
  assert.match(torch.versions().torch, /^\d+\.\d+/);
});

test('isContiguous follows PyTorch: row-major strides, size-1 dims and empty tensors ignored', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const x = torch.zeros([2, 3, 4]);
    assert.equal(x.isContiguous(), true);
    assert.equal(x.transpose(0, 2).isContiguous(), false); // strides [1, 4, 12]
    assert.equal(x.transpose(0, 2).contiguous().isContiguous(), true);
    assert.equal(x.narrow(2, 0, 2).isContiguous(), false); // strides [12, 4, 1] on sizes [2, 3, 2]
    assert.equal(x.narrow(0, 1, 1).isContiguous(), true); // one row of a contiguous tensor
    assert.equal(torch.zeros([3, 1]).expand([3, 5]).isContiguous(), false); // stride 0 on a size-5 dim
    assert.equal(torch.zeros([1, 4]).transpose(0, 1).isContiguous(), true); // [4, 1] with strides [1, 4]: the size-1 dim does not count
    assert.equal(torch.zeros([0, 3]).transpose(0, 1).isContiguous(), true);
  });
  assert.equal(torch.memory().tensors, start);
});


test('tensorVersions: each tensor\'s aten::_version in one call, bumped by in-place writes, shared by views', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const a = torch.zeros([4]);
    const b = torch.ones([2]);
    const view = a.slice(0, 1, 3);
    const v0 = torch.tensorVersions([a, b, view]);
    assert.deepEqual(v0, [a, b, view].map((t) => torch.opValue('aten::_version', t)));
    a.add_(1);
    view.mul_(2);
    const v1 = torch.tensorVersions([a, b, view]);
    assert.deepEqual(v1, [v0[0] + 2, v0[1], v0[2] + 2]);
    assert.deepEqual(torch.tensorVersions([]), []);
    const gone = torch.zeros([1]);
    gone.dispose();
    assert.throws(() => torch.tensorVersions([a, gone]), /disposed/);
  });
  assert.equal(torch.memory().tensors, start);
});
