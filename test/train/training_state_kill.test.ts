// A writer killed with SIGKILL in the middle of a checkpoint write leaves
// the previous checkpoint loadable and consistent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrainingState } from '../../src/train/training_state.js';
import { REPO_ROOT } from '../support/references.js';

const CHILD = join(REPO_ROOT, 'dist', 'test', 'train', 'fixtures', 'training_state_writer.js');
const ELEMENTS = 12_000_000; // 48 MB of float32: a write long enough to interrupt

/** Starts the writer, waits for `waitSaves` complete saves, then kills it while a temporary file is being written. */
async function killDuringWrite(path: string, waitSaves: number): Promise<{ lastSaved: number; partialBytes: number }> {
  const child = spawn(process.execPath, [CHILD, path, String(ELEMENTS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => (out += s));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const tmp = `${path}.tmp-${child.pid}`;
  const deadline = Date.now() + 60_000;
  let partialBytes = -1;
  while (Date.now() < deadline) {
    if (out.includes(`saved ${waitSaves}\n`)) {
      let size = -1;
      try {
        size = statSync(tmp).size;
      } catch {
        /* not writing yet */
      }
      if (size > 0 && size < ELEMENTS * 4) {
        child.kill('SIGKILL');
        partialBytes = size;
        break;
      }
    }
    await new Promise((r) => setImmediate(r));
  }
  if (partialBytes < 0) child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  assert.ok(partialBytes > 0, 'the child was not caught mid-write within 60 s');
  const saved = [...out.matchAll(/saved (\d+)\n/g)].map((m) => Number(m[1]));
  return { lastSaved: saved[saved.length - 1], partialBytes };
}

test('SIGKILL during a checkpoint write keeps the previous checkpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckpt-kill-'));
  try {
    const path = join(dir, 'last.safetensors');
    for (let round = 0; round < 2; round++) {
      const { lastSaved, partialBytes } = await killDuringWrite(path, round + 1);
      // the kill left a partial temporary; the next writer's save removed the previous one
      assert.equal(readdirSync(dir).filter((n) => n.startsWith('last.safetensors.tmp-')).length, 1);
      const ck = readTrainingState(path);
      try {
        // the file is one whole save: its metadata and its weights agree, and it is the last one announced
        // (or the one being written, if the rename won the race with the kill)
        const k = ck.info.epoch;
        assert.ok(k === lastSaved || k === lastSaved + 1, `epoch ${k}, last saved ${lastSaved}`);
        assert.equal(ck.info.iteration, k * 10);
        const w = ck.modelState().get('w')!;
        assert.equal(w.shape[0], ELEMENTS);
        const values = w.dataSync() as Float32Array;
        assert.ok(values[0] === k && values[ELEMENTS - 1] === k && values[ELEMENTS >> 1] === k);
        console.log(`round ${round}: killed with ${partialBytes} of about ${ELEMENTS * 4} bytes written to the temporary; checkpoint ${k} loads`);
      } finally {
        ck.dispose();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
