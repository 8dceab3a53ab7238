// One rank of test/torch/distributed.test.ts (and distributed_nccl.test.ts):
// joins the group from the torchrun environment (backend: argv[5], default
// gloo), runs a scenario and prints one JSON line.
import * as torch from '../../src/torch/index.js';

const { ProcessGroup, torchrunEnv } = torch.distributed;
const scenario = process.argv[2];
const timeoutMs = Number(process.argv[3] ?? 10_000);
const env = torchrunEnv()!;
const start = torch.memory().tensors;
const backend = (process.argv[5] ?? 'gloo') as torch.distributed.DistBackend;
const group = ProcessGroup.init({ ...env, timeoutMs, rendezvousTimeoutMs: Number(process.argv[4] ?? 30_000), backend, deviceIndex: env.localRank });
const r = group.rank;

function collectives(): Record<string, unknown> {
  const sum = torch.tensor([r + 1, 10 * (r + 1), 0.5]);
  group.allreduceSum([sum]);
  const ints = torch.tensor([r, 7], { dtype: 'int64' });
  group.allreduceSum([ints]);
  const big = torch.full([300_000], r + 1); // larger than one Gloo chunk
  group.allreduceSum([big]);
  const root1 = torch.tensor([[r * 2, r * 3]]);
  group.broadcast([root1], 1);
  const mine = torch.tensor([r, r * r]);
  const gathered = group.allgather(mine);
  const objects = group.allgatherObject({ rank: r, text: 'é'.repeat(r + 1) });
  group.barrier();
  const out = { sum: sum.tolist(), ints: ints.tolist(), bigMinMax: torch.tidy(() => [big.min().item(), big.max().item()]), root1: root1.tolist(), gathered: gathered.map((t) => t.tolist()), objects };
  torch.dispose([sum, ints, big, root1, mine, ...gathered]);
  return out;
}

/**
 * y = allreduceSumAutograd(x) on x_r = (r + 1)·[1, 2, 3, 4] (given as the
 * transpose of a [2, 2], so not contiguous), loss_r = Σ w_r·y with w_r = (r + 1)·[1, 10, 100, 1000];
 * reported: y, x's gradient and x afterwards (not reduced in place).
 */
function autograd(): Record<string, unknown> {
  return torch.tidy(() => {
    const x = torch.tensor([[1, 3], [2, 4]]).t().mul(r + 1).detach().requiresGrad_();
    const y = group.allreduceSumAutograd(x).reshape([-1]);
    y.mul(torch.tensor([1, 10, 100, 1000]).mul(r + 1)).sum().backward();
    const out = { y: y.tolist(), grad: x.grad!.reshape([-1]).tolist(), x: x.reshape([-1]).tolist(), yRequiresGrad: y.requiresGrad, xContiguous: x.isContiguous() };
    x.grad!.dispose();
    return out;
  });
}

if (scenario === 'autograd') {
  const out = autograd();
  group.destroy();
  console.log(JSON.stringify({ ...out, leaked: torch.memory().tensors - start }));
} else if (scenario === 'autograd-lost-peer') {
  // both ranks run the forward; rank 1 dies before the backward, whose allreduce rank 0 then runs alone
  const x = torch.ones([4]).requiresGrad_();
  const y = group.allreduceSumAutograd(x);
  if (r === 1) process.exit(3);
  const t0 = Date.now();
  try {
    y.sum().backward();
    console.log(JSON.stringify({ error: null }));
  } catch (e) {
    console.log(JSON.stringify({ error: (e as Error).message, isError: e instanceof Error, seconds: (Date.now() - t0) / 1000 }));
  }
  process.exit(0);
} else if (scenario === 'collectives') {
  const out = collectives();
  group.destroy();
  console.log(JSON.stringify({ ...out, leaked: torch.memory().tensors - start }));
} else if (scenario === 'lost-peer' || scenario === 'silent-peer') {
  group.barrier();
  if (r === 1) {
    if (scenario === 'lost-peer') process.exit(3); // dies without a word
    await new Promise((resolve) => setTimeout(resolve, timeoutMs * 3)); // alive but never joins the collective
    process.exit(0);
  }
  const t0 = Date.now();
  try {
    group.allreduceSum([torch.ones([4])]);
    console.log(JSON.stringify({ error: null }));
  } catch (e) {
    console.log(JSON.stringify({ error: (e as Error).message, seconds: (Date.now() - t0) / 1000 }));
  }
  process.exit(0);
}
