// One rank of test/nn/sync_batchnorm.test.ts. Every rank draws the same
// seeded data: a batch of 4 images split unequally, 3 to rank 0 and 1 to
// rank 1 (so the counts' weighting matters), values around 50 with a spread
// of about 1 (where Σx² − (Σx)²/n would cancel). Each rank trains its part
// through a synchronized BatchNorm2d; and, alone, a plain BatchNorm2d
// (libtorch's aten::batch_norm, no group) over the whole batch as the
// reference; and its part through a plain BatchNorm2d (its own statistics,
// to show the comparison can fail). Prints them as one JSON line.
import * as torch from '../../src/torch/index.js';
import { BatchNorm2d, convertSyncBatchNorm } from '../../src/nn/index.js';

const env = torch.distributed.torchrunEnv()!;
const start = torch.memory().tensors;
const group = torch.distributed.ProcessGroup.init({ ...env, timeoutMs: 20_000 });
const r = group.rank;
const PARTS = [[0, 3], [3, 1]]; // [first image, count] per rank
const C = 3;

torch.manualSeed(11);
const { steps, weight, bias } = torch.tidy(() => ({
  steps: [0, 1].map(() => ({ x: torch.keep(torch.randn([4, C, 5, 4]).mul(0.7).add(50)), g: torch.keep(torch.randn([4, C, 5, 4])) })),
  weight: torch.keep(torch.rand([C]).add(0.5)),
  bias: torch.keep(torch.randn([C])),
}));

function makeBn(): BatchNorm2d {
  const bn = new BatchNorm2d(C, { eps: 1e-6, momentum: 0.1 });
  torch.noGrad(() => { bn.weight.copy_(weight); bn.bias.copy_(bias); });
  return bn;
}

/** Two training steps of `bn` on images [from, from + n) of each step's batch: output and gradients of the first, running statistics after both. */
function run(bn: BatchNorm2d, from: number, n: number) {
  return torch.tidy(() => {
    const out: Record<string, unknown>[] = [];
    for (const { x, g } of steps) {
      const mine = x.narrow(0, from, n).detach().requiresGrad_();
      const y = bn.forward(mine);
      y.mul(g.narrow(0, from, n)).sum().backward();
      const [dx, dw, db] = [mine.grad!, bn.weight.grad!, bn.bias.grad!];
      out.push({ y: y.toArray(), dx: dx.toArray(), dw: dw.toArray(), db: db.toArray() });
      torch.dispose([dx, dw, db]);
      bn.weight.zeroGrad();
      bn.bias.zeroGrad();
    }
    return { first: out[0], runningMean: bn.runningMean.toArray(), runningVar: bn.runningVar.toArray(), tracked: bn.numBatchesTracked.item() };
  });
}

const synced = makeBn();
assertConverted(convertSyncBatchNorm(synced, group).length);
const ours = run(synced, PARTS[r][0], PARTS[r][1]);
// eval needs no other rank: rank 0 alone normalises with the running statistics
const evalOut = r === 0 ? torch.tidy(() => {
  synced.eval();
  const x = steps[0].x.narrow(0, 0, 1);
  const expected = torch.F.batchNorm(x, synced.runningMean, synced.runningVar, { weight: synced.weight, bias: synced.bias, eps: 1e-6 });
  return torch.noGrad(() => synced.forward(x).sub(expected).abs().max().item());
}) : 0;
group.barrier();
const plain = makeBn();
const reference = run(plain, 0, 4);
const alone = makeBn(); // not converted: this rank's own statistics
const local = run(alone, PARTS[r][0], PARTS[r][1]).first.y;
for (const m of [synced, plain, alone]) m.dispose();
torch.dispose([weight, bias, ...steps.flatMap((s) => [s.x, s.g])]);
group.destroy();
console.log(JSON.stringify({ rank: r, from: PARTS[r][0], count: PARTS[r][1], ours, reference, local, evalOut, leaked: torch.memory().tensors - start }));

function assertConverted(n: number) {
  if (n !== 1) throw new Error(`convertSyncBatchNorm converted ${n} layers`);
}
