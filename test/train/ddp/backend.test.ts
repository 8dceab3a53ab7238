// The backend and devices of a data-parallel run (src/train/ddp/backend.ts):
// nccl by default on CUDA and gloo on the CPU, each error before any worker
// starts; a plain 'cuda' becomes each rank's cuda:LOCAL_RANK. The errors
// that need a CPU-only build are checked where the build is one (here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../../src/torch/index.js';
import { checkLaunchDevice, chooseBackend, rankDevice } from '../../../src/train/ddp/backend.js';

const hasNccl = torch.distributed.availableBackends().includes('nccl');

test('gloo on the CPU; nccl only with a CUDA device', () => {
  assert.equal(chooseBackend(undefined), 'gloo');
  assert.equal(chooseBackend('cpu'), 'gloo');
  assert.equal(chooseBackend('cuda', 'gloo'), 'gloo');
  assert.throws(() => chooseBackend('cpu', 'nccl'), /--backend nccl reduces CUDA tensors: give --device cuda/);
  assert.throws(() => chooseBackend(undefined, 'mpi'), /distributed backend 'mpi' is not one of gloo, nccl/);
});

test('--device cuda picks nccl, which a CPU-only build refuses with the remedy', () => {
  if (hasNccl) assert.equal(chooseBackend('cuda'), 'nccl');
  else assert.throws(() => chooseBackend('cuda:1'), /^Error: this build has no NCCL: build the addon against a CUDA libtorch with LIBTORCH=/);
});

test('the launcher checks CUDA and a GPU per worker before starting any', () => {
  checkLaunchDevice(undefined, 4);
  checkLaunchDevice('cpu', 4);
  const gpus = torch.cuda.deviceCount();
  if (gpus === 0) assert.throws(() => checkLaunchDevice('cuda', 2), /device 'cuda': CUDA is not available in this libtorch build/);
  else assert.throws(() => checkLaunchDevice('cuda', gpus + 1), new RegExp(`--nproc ${gpus + 1} --device cuda: each worker takes its own GPU \\(cuda:LOCAL_RANK\\), and this machine has ${gpus}`));
});

test("each rank's device: a plain cuda becomes cuda:LOCAL_RANK, anything else is kept", () => {
  assert.equal(rankDevice('cuda', 3), 'cuda:3');
  assert.equal(rankDevice('cuda:1', 3), 'cuda:1');
  assert.equal(rankDevice('cpu', 3), 'cpu');
});
