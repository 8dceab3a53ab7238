// NCCL through the addon (native/src/distributed.cpp, compiled in only
// against a CUDA libtorch): a one-rank group on cuda:0 whose collectives
// leave hand-known values, on CUDA tensors and on CPU tensors staged through
// the GPU; with two GPUs, distributed.test.ts's two-rank collectives over
// NCCL. Skipped, with the reason, without NCCL in the build or without a
// GPU (failed instead under YOLO_REQUIRE_CUDA=1): Debian's libtorch is
// CPU-only, so they run only where scripts/gpu-check.sh builds against a
// CUDA PyTorch. Where NCCL is not
// built in, asking for it is the error with the remedy (runs everywhere).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { assertTwoRankCollectives, lastJson } from './distributed_expect.js';
import * as torch from '../../src/torch/index.js';
import { freePort, runRanks } from '../support/ranks.js';

const { ProcessGroup, availableBackends } = torch.distributed;
const worker = fileURLToPath(new URL('./distributed_worker.js', import.meta.url));
const hasNccl = availableBackends().includes('nccl');
const gpus = torch.cuda.deviceCount();
// scripts/gpu-check.sh sets YOLO_REQUIRE_CUDA=1: there a skip would hide a build without NCCL
const noNccl = process.env.YOLO_REQUIRE_CUDA === '1' ? false : !hasNccl ? 'this build has no NCCL (built against a CPU libtorch)' : gpus === 0 ? 'no CUDA device' : false;

test('asking for nccl in a build without it is an error that names the remedy', { skip: hasNccl && 'this build has NCCL' }, () => {
  assert.throws(
    () => ProcessGroup.init({ masterAddr: '127.0.0.1', masterPort: 1, rank: 0, worldSize: 1, backend: 'nccl' }),
    /^Error: this build has no NCCL: build the addon against a CUDA libtorch with LIBTORCH=/,
  );
  assert.deepEqual(availableBackends(), ['gloo']);
});

test('a one-rank NCCL group on cuda:0: allreduce, broadcast, allgather and barrier', { skip: noNccl }, async () => {
  const start = torch.memory().tensors;
  const group = ProcessGroup.init({ masterAddr: '127.0.0.1', masterPort: await freePort(), rank: 0, worldSize: 1, backend: 'nccl', deviceIndex: 0, timeoutMs: 30_000 });
  try {
    assert.equal(group.backend, 'nccl');
    assert.equal(group.device, 'cuda:0');
    torch.tidy(() => {
      const onGpu = torch.tensor([1, 2.5, -3]).to('cuda');
      group.allreduceSum([onGpu]); // the sum over one rank: itself
      assert.equal(onGpu.device, 'cuda:0');
      assert.deepEqual(onGpu.tolist(), [1, 2.5, -3]);
      const onCpu = torch.tensor([7, 8], { dtype: 'int64' }); // staged through cuda:0 and copied back
      group.allreduceSum([onCpu]);
      assert.equal(onCpu.device, 'cpu');
      assert.deepEqual(onCpu.tolist(), [7, 8]);
      const big = torch.full([300_000], 2).to('cuda');
      group.broadcast([big], 0);
      assert.deepEqual([big.min().item(), big.max().item()], [2, 2]);
      const gathered = group.allgather(torch.tensor([4, 5]).to('cuda'));
      assert.equal(gathered.length, 1);
      assert.equal(gathered[0].device, 'cuda:0');
      assert.deepEqual(gathered[0].tolist(), [4, 5]);
      assert.deepEqual(group.allgatherObject({ text: 'é' }), [{ text: 'é' }]);
      group.barrier();
    });
  } finally {
    group.destroy();
  }
  assert.equal(torch.memory().tensors, start);
});

test('two ranks over NCCL, one GPU each: the collectives of distributed.test.ts', { skip: noNccl || (gpus < 2 && `${gpus} CUDA device; two needed`) }, async () => {
  const ranks = await runRanks(worker, ['collectives', '30000', '60000', 'nccl'], 2);
  assertTwoRankCollectives(ranks);
});
