// Gradient buckets against PyTorch's own assignment (torch.distributed.
// _compute_bucket_assignment_by_size with DDP's limits, reversed as DDP
// passes it to the reducer), on the parameters of real cfgs and on a list
// with a second dtype.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../../src/torch/index.js';
import { Darknet } from '../../../src/darknet/index.js';
import { bucketAssignment } from '../../../src/train/ddp/buckets.js';
import { REPO_ROOT, hasPython, runPython } from '../../support/references.js';

const PYTORCH = `
import json, sys, torch, torch.distributed as dist
specs = json.load(sys.stdin)
ts = [torch.zeros(n, dtype=getattr(torch, d)) for n, d in specs]
buckets, _ = dist._compute_bucket_assignment_by_size(ts, [1024 * 1024, 25 * 1024 * 1024])
print(json.dumps(list(reversed(buckets))))
`;

const TORCH_DTYPE: Record<string, string> = { float32: 'float32', float64: 'float64' };

function compare(params: torch.Tensor[]) {
  const specs = params.map((p) => [p.numel(), TORCH_DTYPE[p.dtype]]);
  assert.deepEqual(bucketAssignment(params), runPython<number[][]>(PYTORCH, specs));
}

for (const cfg of ['shapes-tiny.cfg', 'yolov3-tiny.cfg', 'yolov3.cfg']) {
  test(`buckets of ${cfg} are PyTorch DDP's`, (t) => {
    if (!hasPython(t, 'torch')) return;
    const model = Darknet.fromFile(join(REPO_ROOT, 'cfg', cfg));
    try {
      compare(model.parameters());
    } finally {
      model.dispose();
    }
  });
}

test('a second dtype gets its own buckets, each dtype starting with the small one', (t) => {
  if (!hasPython(t, 'torch')) return;
  torch.tidy(() => compare([
    torch.zeros([300_000]), torch.zeros([10], { dtype: 'float64' }), torch.zeros([7_000_000]), torch.zeros([200_000], { dtype: 'float64' }), torch.zeros([100]), torch.zeros([5], { dtype: 'float64' }),
  ]));
});
