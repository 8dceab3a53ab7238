// `yolov3 train --nproc 2` in real processes: a run whose rank 0 alone
// writes the run folder; SIGKILL of one worker makes the launcher exit
// non-zero naming the lost rank within the collective timeout + 10 s, with
// no worker left; Ctrl-C stops both ranks at the same step and rank 0
// saves `last` once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrainingState } from '../../src/train/training_state.js';
import { Darknet } from '../../src/darknet/index.js';
import { REPO_ROOT } from '../support/references.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const CFG = join(REPO_ROOT, 'cfg', 'shapes-tiny.cfg');
const project = mkdtempSync(join(tmpdir(), 'yolo-nproc-'));
const children: ChildProcess[] = [];
const pids: number[] = [];
test.after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  rmSync(project, { recursive: true, force: true });
});

function start(args: string[]) {
  const child = spawn(process.execPath, [MAIN, 'train', '--cfg', CFG, '--img-size', '64', '--batch-size', '4', '--project', project, '--nproc', '2', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<{ code: number | null; seconds: number }>((resolve) => child.on('exit', (code) => resolve({ code, seconds: 0 })));
  const waitFor = async (pattern: RegExp, ms: number) => {
    const end = Date.now() + ms;
    while (!pattern.test(out)) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no ${pattern}; output:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return pattern.exec(out)!;
  };
  return { child, exited, waitFor, output: () => out };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function workerPids(run: ReturnType<typeof start>): Promise<number[]> {
  const m = await run.waitFor(/rank 0: pid (\d+), rank 1: pid (\d+)/, 30_000);
  const found = [Number(m[1]), Number(m[2])];
  pids.push(...found);
  return found;
}

test('--nproc 2 trains with one run folder, written by rank 0 only', async () => {
  const run = start(['--data', 'shapes:16', '--epochs', '2', '--name', 'ok']);
  const { code } = await run.exited;
  assert.equal(code, 0, run.output());
  assert.deepEqual(readdirSync(project), ['ok']);
  assert.match(run.output(), /2 batches of 4 on each of 2 ranks/); // 16 images: 8 a rank
  const rows = readFileSync(join(project, 'ok', 'results.csv'), 'utf8').trim().split('\n');
  assert.equal(rows.length, 3); // header + 2 epochs, not 4: one writer
  assert.equal((run.output().match(/^epoch 2\/2: loss/gm) ?? []).length, 1);
  const ck = readTrainingState(join(project, 'ok', 'weights', 'last.safetensors'));
  try {
    assert.equal(ck.info.epoch, 1);
    assert.equal(ck.info.iteration, 4);
  } finally {
    ck.dispose();
  }
});

test('--nproc 2 --sync-bn (with --freeze: every rank keeps the frozen BatchNorm in eval) trains; options.json records it; the checkpoint loads into a plain model (names unchanged)', async () => {
  const run = start(['--data', 'shapes:16', '--epochs', '1', '--sync-bn', '--freeze', '2', '--name', 'syncbn']);
  const { code } = await run.exited;
  assert.equal(code, 0, run.output());
  assert.equal((run.output().match(/sync-bn: \d+ BatchNorm layers take their statistics over all 2 ranks/g) ?? []).length, 1);
  assert.equal(JSON.parse(readFileSync(join(project, 'syncbn', 'options.json'), 'utf8')).syncBn, true);
  const ck = readTrainingState(join(project, 'syncbn', 'weights', 'last.safetensors'));
  const model = Darknet.fromFile(CFG);
  try {
    model.loadStateDict(ck.modelState()); // strict: every name the plain model has, no other
  } finally {
    model.dispose();
    ck.dispose();
  }
});

test('SIGKILL of a worker: the launcher exits non-zero naming it within the timeout + 10 s, no worker left', async () => {
  const run = start(['--data', 'shapes:64', '--epochs', '50', '--dist-timeout', '5', '--name', 'killed']);
  const [rank0, rank1] = await workerPids(run);
  await run.waitFor(/epoch 1\/50: loss/, 120_000);
  const t0 = Date.now();
  process.kill(rank1, 'SIGKILL');
  const { code } = await run.exited;
  const seconds = (Date.now() - t0) / 1000;
  assert.notEqual(code, 0);
  assert.ok(seconds < 15, `launcher exited ${seconds} s after the kill`);
  assert.match(run.output(), /distributed training failed: rank 1 was killed by SIGKILL/);
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(!alive(rank0) && !alive(rank1), 'a worker is still running');
});

test('Ctrl-C on the launcher: both ranks stop at the same step, rank 0 saves last once, exit 130; --resume --nproc 2 continues', async () => {
  const run = start(['--data', 'shapes:64', '--epochs', '50', '--dist-timeout', '20', '--name', 'stopped']);
  const [rank0, rank1] = await workerPids(run);
  await run.waitFor(/epoch 1\/50: loss/, 120_000);
  run.child.kill('SIGINT');
  const { code } = await run.exited;
  assert.equal(code, 130, run.output());
  assert.equal((run.output().match(/^saved .*last\.safetensors/gm) ?? []).length, 1, run.output());
  assert.ok(!alive(rank0) && !alive(rank1), 'a worker is still running');
  const last = join(project, 'stopped', 'weights', 'last.safetensors');
  const ck = readTrainingState(last);
  const stoppedAt = ck.info.iteration;
  ck.dispose();
  const resumed = spawn(process.execPath, [MAIN, 'train', '--resume', last, '--epochs', '2', '--nproc', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(resumed);
  let out = '';
  resumed.stdout!.on('data', (d) => (out += d));
  resumed.stderr!.on('data', (d) => (out += d));
  const resumedCode = await new Promise((resolve) => resumed.on('exit', resolve));
  assert.equal(resumedCode, 0, out);
  assert.match(out, /resuming .* at epoch/);
  const done = readTrainingState(last);
  try {
    assert.equal(done.info.epoch, 1);
    assert.equal(done.info.iteration, 16); // 2 epochs of 8 batches a rank (64 images / 2 ranks / 4)
    assert.ok(stoppedAt < 16);
  } finally {
    done.dispose();
  }
  const single = spawn(process.execPath, [MAIN, 'train', '--resume', last, '--epochs', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(single);
  let err = '';
  single.stderr!.on('data', (d) => (err += d));
  assert.notEqual(await new Promise((resolve) => single.on('exit', resolve)), 0);
  assert.match(err, /trained by 2 ranks; resume it with --nproc 2/);
});
