// Advanced indexing reads and writes, and the series' compute_loss pattern,
// against PyTorch on a fixed example.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { hasPython } from '../support/references.js';
import { Exchange, maxRelativeError } from '../support/exchange.js';

const PY = `
yhat = load('yhat').clone().requires_grad_(True)
b, a, j, i = load('b'), load('a'), load('j'), load('i')
pxy = yhat[b, a, j, i, 0:2].sigmoid()
pwh = yhat[b, a, j, i, 2:4]
save('pxy', pxy)
save('cell', yhat[b, a, j, i])
obj = torch.zeros_like(yhat[..., 4])
obj[b, a, j, i] = load('iou').detach().clamp(0)
save('obj', obj)
acc = torch.zeros(yhat.shape[:4])
acc.index_put_((b, a, j, i), torch.ones(len(b)), accumulate=True)
save('acc', acc)
mask = yhat[..., 4] > 0.5
save('masked', yhat[..., 4][mask])
loss = (pxy * load('w2')).sum() + pwh.exp().sum() + yhat[:, 1, 2:5:2, ::2, 5:].sum()
loss.backward()
save('grad', yhat.grad)
save('strided', yhat[:, 1, 2:5:2, ::2, 5:])
save('last', yhat[-1, :, -1])
`;

test('advanced indexing and compute_loss indexing match PyTorch', (t) => {
  if (!hasPython(t, 'torch', 'numpy')) return;
  torch.manualSeed(5);
  const start = torch.memory().tensors;
  const ex = new Exchange();
  try {
    torch.tidy(() => {
      const yhat0 = torch.randn([2, 3, 6, 6, 7]);
      const long = (v: number[]) => torch.tensor(v, { dtype: 'int64' });
      // Label indices with a repeated cell (b=0, a=1, j=2, i=3 twice), as ratio assignment can produce.
      const b = long([0, 1, 0, 1, 0]);
      const a = long([1, 0, 2, 2, 1]);
      const j = long([2, 5, 0, 3, 2]);
      const i = long([3, 4, 1, 0, 3]);
      const iou = torch.tensor([0.9, -0.2, 0.4, 0.7, 0.8]);
      const w2 = torch.randn([5, 2]);
      for (const [k, v] of Object.entries({ yhat: yhat0, b, a, j, i, iou, w2 })) ex.put(k, v);
      ex.run(PY);

      const yhat = yhat0.clone().requiresGrad_();
      const pxy = yhat.index(b, a, j, i, { start: 0, end: 2 }).sigmoid();
      const pwh = yhat.index(b, a, j, i, { start: 2, end: 4 });
      assert.ok(maxRelativeError(pxy, ex.get('pxy')) < 1e-6);
      assert.ok(maxRelativeError(yhat.index(b, a, j, i).detach(), ex.get('cell')) < 1e-7);
      const obj = torch.zerosLike(yhat.index(null, null, null, null, 4));
      obj.indexPut_([b, a, j, i], iou.detach().clamp(0));
      assert.ok(maxRelativeError(obj, ex.get('obj')) < 1e-7);
      const acc = torch.zeros([2, 3, 6, 6]);
      acc.indexPut_([b, a, j, i], torch.ones([5]), true);
      assert.ok(maxRelativeError(acc, ex.get('acc')) < 1e-7);
      assert.equal(acc.max().item(), 2);
      const conf = yhat.index(null, null, null, null, 4).detach();
      assert.ok(maxRelativeError(conf.index(conf.gt(0.5)), ex.get('masked')) < 1e-7);
      const strided = yhat.index(null, 1, { start: 2, end: 5, step: 2 }, { step: 2 }, { start: 5 });
      assert.ok(maxRelativeError(strided.detach(), ex.get('strided')) < 1e-7);
      assert.ok(maxRelativeError(yhat.index(-1, null, -1).detach(), ex.get('last')) < 1e-7);
      const loss = pxy.mul(w2).sum().add(pwh.exp().sum()).add(strided.sum());
      loss.backward();
      assert.ok(maxRelativeError(yhat.grad!, ex.get('grad')) < 1e-6);
    });
  } finally {
    ex.close();
  }
  assert.equal(torch.memory().tensors, start);
});

test('index errors are JavaScript errors', () => {
  torch.tidy(() => {
    const x = torch.zeros([2, 3]);
    assert.throws(() => x.index(torch.tensor([5], { dtype: 'int64' })), /out of bounds|out of range/i);
    assert.throws(() => x.index(0, 0, 0), /too many indices/);
    assert.throws(() => x.indexSelect(0, torch.tensor([0.5])), /Long|Int|dtype|index/i);
  });
});
