// One rank of test/torch/distributed_reducer.test.ts: libtorch's reducer on
// two parameters (w [3], b [2], one bucket each), through backwards that are
// armed or not; prints each step's gradients as one JSON line.
import * as torch from '../../src/torch/index.js';

const { ProcessGroup, DdpReducer, torchrunEnv } = torch.distributed;
const scenario = process.argv[2];
const start = torch.memory().tensors;
const group = ProcessGroup.init({ ...torchrunEnv()!, timeoutMs: 10_000, rendezvousTimeoutMs: 30_000 });
const r = group.rank;
const w = torch.tensor([1, 2, 3]);
const b = torch.tensor([1, 1]);
w.requiresGrad = true;
b.requiresGrad = true;
const reducer = new DdpReducer(group, [w, b], 4, 4); // limits of 4 bytes: a bucket per parameter
const grads = () => torch.tidy(() => ({ w: w.grad!.tolist(), b: b.grad!.tolist() }));
const clear = () => {
  w.grad = null;
  b.grad = null;
};
// loss1 = Σ w·(r+1)[1,2,3] + (r+1)Σ b: ∂w = (r+1)[1,2,3], ∂b = (r+1)[1,1]
const loss1 = () => torch.tidy(() => w.mul(torch.tensor([1, 2, 3]).mul(r + 1)).sum().add(b.sum().mul(r + 1)).backward());
// loss2 = (r+1)Σ w² + Σ b²: ∂w = 2(r+1)w, ∂b = 2b
const loss2 = () => torch.tidy(() => w.mul(w).sum().mul(r + 1).add(b.mul(b).sum()).backward());

const out: Record<string, unknown> = {};
if (scenario === 'no-sync') {
  loss1(); // not armed: local gradients only (DDP's no_sync)
  out.local = grads();
  out.firstRebuilt = reducer.prepare();
  loss2(); // armed: the accumulated sum of both backwards, averaged
  out.averaged = grads();
  const info = reducer.info();
  out.buckets = info.buckets;
  out.bytes = info.bytes;
  out.timed = info.commStartNs > 0 && info.commEndNs >= info.commStartNs && info.computeEndNs > 0;
  clear();
  loss1(); // after an armed backward, an unarmed one is local again
  out.localAgain = grads();
  clear();
  out.rebuilt = reducer.prepare(); // once, from the first armed backward's order
  loss1();
  out.averagedAgain = grads();
  reducer.destroy();
  clear();
  loss1(); // no hooks left
  out.afterDestroy = grads();
} else if (scenario === 'unused') {
  reducer.prepare();
  torch.tidy(() => w.sum().backward()); // b gets no gradient: the reduction never finishes
  try {
    reducer.prepare();
  } catch (e) {
    out.error = (e as Error).message;
  }
  reducer.destroy();
}
clear();
torch.dispose([w, b]);
group.destroy();
console.log(JSON.stringify({ ...out, leaked: torch.memory().tensors - start }));
