// torchrunEnv: the variables torch.distributed.run sets (as printed by
// torchrun 1.13 itself, --nproc_per_node 2), read as torch.distributed's
// env:// init reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { torchrunEnv } from '../../src/torch/distributed.js';

const base = { RANK: '1', LOCAL_RANK: '1', WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: '29611', TORCHELASTIC_RESTART_COUNT: '0' };

test('static rendezvous (TORCHELASTIC_USE_AGENT_STORE=True): the agent\'s store under /worker/attempt_<restart count>', () => {
  const env = torchrunEnv({ ...base, TORCHELASTIC_USE_AGENT_STORE: 'True', TORCHELASTIC_RESTART_COUNT: '2' });
  assert.deepEqual(env, { rank: 1, worldSize: 2, localRank: 1, masterAddr: '127.0.0.1', masterPort: 29611, agentStorePrefix: '/worker/attempt_2' });
});

test('c10d rendezvous (TORCHELASTIC_USE_AGENT_STORE=False) and no torchrun: rank 0 serves the store itself', () => {
  for (const extra of [{ TORCHELASTIC_USE_AGENT_STORE: 'False' }, {}]) {
    const env = torchrunEnv({ ...base, ...extra });
    assert.deepEqual(env, { rank: 1, worldSize: 2, localRank: 1, masterAddr: '127.0.0.1', masterPort: 29611 });
  }
  assert.equal(torchrunEnv({}), undefined);
});
