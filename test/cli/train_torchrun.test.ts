// `yolov3 train` under PyTorch's own launcher, torch.distributed.run
// (torchrun) from Debian's python3-torch, as two workers of one world
// (--no_python: torchrun starts node itself), with its static rendezvous
// (the workers share the agent's store at MASTER_PORT,
// TORCHELASTIC_USE_AGENT_STORE=True) and with its c10d rendezvous (rank 0
// serves our store at the MASTER_PORT torchrun hands out). Both ranks train:
// 16 images in batches of 4 take 2 iterations only when split over 2 ranks,
// rank 0 alone writes the run folder, and the checkpoint records 2 ranks.
// SIGKILL of rank 1 fails rank 0's next collective, naming it, and torchrun
// exits non-zero with no worker left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrainingState } from '../../src/train/training_state.js';
import { PYTHON, REPO_ROOT, hasPython } from '../support/references.js';
import { freePort } from '../support/ranks.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const CFG = join(REPO_ROOT, 'cfg', 'shapes-tiny.cfg');
const project = mkdtempSync(join(tmpdir(), 'yolo-torchrun-'));
test.after(() => rmSync(project, { recursive: true, force: true }));

/**
 * Debian's torch 1.13 on Python 3.11: torchrun's default `--redirects 0
 * --tee 0` fail in its own Std.from_str (Python 3.11's IntFlag no longer
 * yields the 0 member), so each worker's stdout is teed (-r 1 -t 1),
 * which prefixes it with [default<local rank>]:.
 */
function torchrun(launch: string[], name: string, train = ['--data', 'shapes:16', '--epochs', '1'], started?: (c: ChildProcess) => void): Promise<{ code: number | null; out: string }> {
  const args = ['-m', 'torch.distributed.run', '--nproc_per_node', '2', '--no_python', '--redirects', '1', '--tee', '1', ...launch, '--log_dir', join(project, `${name}-logs`),
    process.execPath, MAIN, 'train', '--cfg', CFG, '--img-size', '64', '--batch-size', '4', ...train, '--project', project, '--name', name];
  const env = { ...process.env };
  for (const k of ['RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT']) delete env[k];
  const child = spawn(PYTHON, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  started?.(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  return new Promise((resolve) => child.on('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, out });
  }));
}

function assertTrainedByTwoRanks(name: string, r: { code: number | null; out: string }) {
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /\[default0\]:training .*2 batches of 4 on each of 2 ranks/);
  assert.doesNotMatch(r.out, /\[default1\]:/); // rank 1 trains silently: one log
  assert.ok(readdirSync(project).includes(name));
  const ck = readTrainingState(join(project, name, 'weights', 'last.safetensors'));
  try {
    assert.equal(ck.info.iteration, 2); // 16 images / (2 ranks × 4)
    assert.equal(ck.info.extra.worldSize, 2);
  } finally {
    ck.dispose();
  }
}

test('torchrun --nproc_per_node 2 with its static rendezvous (the agent\'s store at MASTER_PORT)', async (t) => {
  if (!hasPython(t, 'torch.distributed.run')) return;
  const r = await torchrun(['--master_addr', '127.0.0.1', '--master_port', String(await freePort())], 'static');
  assertTrainedByTwoRanks('static', r);
});

test('torchrun --nproc_per_node 2 --rdzv_backend c10d (rank 0 serves the store at the MASTER_PORT torchrun picks)', async (t) => {
  if (!hasPython(t, 'torch.distributed.run')) return;
  const r = await torchrun(['--rdzv_backend', 'c10d', '--rdzv_endpoint', `127.0.0.1:${await freePort()}`], 'c10d');
  assertTrainedByTwoRanks('c10d', r);
});

/** torchrun's workers (its child processes) by RANK. */
function workersOf(pid: number): Map<number, number> {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return new Map(children.map((c) => [Number(/(?:^|\0)RANK=(\d+)/.exec(readFileSync(`/proc/${c}/environ`, 'utf8'))?.[1]), c]));
}

test('torchrun: SIGKILL of rank 1 fails rank 0\'s next collective naming it; torchrun exits non-zero, no worker left', async (t) => {
  if (!hasPython(t, 'torch.distributed.run')) return;
  let workers = new Map<number, number>();
  let killedAt = 0;
  const r = await torchrun(['--master_addr', '127.0.0.1', '--master_port', String(await freePort())], 'killed', ['--data', 'shapes:256', '--epochs', '50', '--dist-timeout', '5'], (child) => {
    const poll = setInterval(() => {
      const log = join(project, 'killed', 'results.csv');
      if (!existsSync(log) || child.exitCode !== null) return; // after epoch 1: both ranks are training
      clearInterval(poll);
      workers = workersOf(child.pid!);
      killedAt = Date.now();
      process.kill(workers.get(1)!, 'SIGKILL');
    }, 200);
    child.on('exit', () => clearInterval(poll));
  });
  assert.ok(killedAt > 0, r.out);
  assert.notEqual(r.code, 0);
  assert.ok(Date.now() - killedAt < 15_000, `torchrun exited ${(Date.now() - killedAt) / 1000} s after the kill`);
  assert.match(r.out, /rank 0 of 2: \w+ failed/);
  const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
  assert.deepEqual([...workers.values()].filter(alive), []);
});
