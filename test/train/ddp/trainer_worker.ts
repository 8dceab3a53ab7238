// One rank of test/train/ddp/trainer.test.ts: train() as a rank of the
// torchrun environment's group, with a hook that makes rank 0's epoch end
// slower than the collective timeout; prints the final weights' checksum.
// argv: project, slowMs, timeoutMs, and 'overlap' for the allreduce during backward (--ddp-overlap).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../../src/torch/index.js';
import { train } from '../../../src/train/trainer.js';
import type { TrainHook } from '../../../src/train/hooks/hook.js';
import type { TrainContext } from '../../../src/train/context.js';

const [project, slowMs, timeoutMs, ddpOverlap] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5] === 'overlap'];
const env = torch.distributed.torchrunEnv()!;
let steps = 0;
let checksum: number[] = [];
const probe: TrainHook = {
  afterOptimizerStep: () => void steps++,
  afterEpoch: async (_ctx, end) => { if (env.rank === 0 && end.epoch === 0) await new Promise((r) => setTimeout(r, slowMs)); },
  afterTrain: (ctx: TrainContext) => { checksum = torch.tidy(() => ctx.model.parameters().map((p) => p.double().sum().item())); },
};
const r = await train(
  { cfg: join(process.cwd(), 'cfg', 'shapes-tiny.cfg'), data: 'shapes:24', imgSize: 64, batchSize: 2, nominalBatchSize: 4, epochs: 2, augment: true, workers: 0, project: project || mkdtempSync(join(tmpdir(), 'ddp-')), name: 'run', verbose: false },
  { distributed: { ...env, timeoutMs, rendezvousTimeoutMs: 60_000, ddpOverlap }, hooks: [probe], log: () => {} },
);
console.log(JSON.stringify({ rank: env.rank, steps, iteration: r.iteration, checksum, leaked: torch.memory().tensors }));
