// train() as two ranks: with gradient accumulation both ranks end with the
// same weights, take the same optimizer steps over their halves of the
// data, and rank 0's epoch end may take longer than the collective timeout;
// the allreduce overlapped with backward (--ddp-overlap) and after it give
// the same weights exactly (only the micro-batch that steps reduces).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRanks } from '../../support/ranks.js';

const worker = fileURLToPath(new URL('./trainer_worker.js', import.meta.url));

async function trainRanks(project: string, args: string[]) {
  const ranks = await runRanks(worker, [project, ...args], 2, { killAfterMs: 240_000 });
  return ranks.map((r) => {
    assert.equal(r.code, 0, ranks.map((x) => `rank ${x.rank}: ${x.stderr}`).join('\n'));
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  });
}

test('two ranks with accumulation: identical weights, half the batches each, a slow rank-0 epoch end tolerated', async () => {
  const project = mkdtempSync(join(tmpdir(), 'ddp-train-'));
  try {
    const out = await trainRanks(project, ['7000', '4000']);
    // 24 images / 2 ranks = 12 a rank = 6 batches of 2 an epoch, a step every 2: 3 steps an epoch
    for (const o of out) assert.deepEqual([o.iteration, o.steps, o.leaked], [12, 6, 0]);
    assert.deepEqual(out[1].checksum, out[0].checksum);
    assert.deepEqual(readdirSync(project), ['run']);
    assert.ok(existsSync(join(project, 'run', 'weights', 'last.safetensors')));
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});

test('with accumulation, the allreduce overlapped with backward and the one after it train the same weights', async () => {
  const project = mkdtempSync(join(tmpdir(), 'ddp-train-'));
  try {
    const [overlapped, after] = [await trainRanks(join(project, 'a'), ['0', '10000', 'overlap']), await trainRanks(join(project, 'b'), ['0', '10000', 'after'])];
    for (const o of [...overlapped, ...after]) assert.deepEqual([o.iteration, o.steps, o.leaked], [12, 6, 0]);
    assert.deepEqual(overlapped[0].checksum, after[0].checksum);
    assert.deepEqual(overlapped[1].checksum, overlapped[0].checksum);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
