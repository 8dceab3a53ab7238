// Ctrl-C on `yolov3 train` in a real child process: the first SIGINT saves
// `last` and exits with 130; --resume continues from it; a second SIGINT
// exits at once. Every child is killed in `after`, so a failure cannot
// leave one running (or the test runner waiting on it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrainingState } from '../../src/train/training_state.js';
import { REPO_ROOT } from '../support/references.js';

const MAIN = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const CFG = join(REPO_ROOT, 'cfg', 'shapes-tiny.cfg');
const BATCHES = 8; // shapes:64 in batches of 8

interface Running {
  child: ChildProcess;
  output: () => string;
  /** Resolves when `pattern` appears in stdout or stderr; rejects after ms. */
  waitFor(pattern: RegExp, ms: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

function start(args: string[]): Running {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, YOLO_NUM_THREADS: '1' } });
  children.push(child);
  let out = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (s: string) => {
    out += s;
    for (const w of waiters.splice(0)) (w.pattern.test(out) ? w.resolve() : waiters.push(w));
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    output: () => out,
    waitFor: (pattern, ms) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(out)) return resolve();
        const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms; output:\n${out}`)), ms);
        waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) });
        void exited.then(() => setImmediate(() => (clearTimeout(timer), pattern.test(out) ? resolve() : reject(new Error(`exited before ${pattern}; output:\n${out}`)))));
      }),
    exited,
  };
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

const project = mkdtempSync(join(tmpdir(), 'yolo-sigint-'));
test.after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(project, { recursive: true, force: true });
});

const trainArgs = (name: string) => [
  'train', '--cfg', CFG, '--data', 'shapes:64', '--img-size', '64', '--batch-size', String(BATCHES), '--epochs', '50', '--workers', '0',
  '--eval-interval', '100', '--max-val-samples', '8', '--project', project, '--name', name,
];

test('Ctrl-C saves last and exits 130; --resume continues from the interrupted batch', { timeout: 120_000 }, async () => {
  const run = start(trainArgs('a'));
  await run.waitFor(/epoch 1\/50 8\/8/, 60_000); // the first epoch's progress line
  run.child.kill('SIGINT');
  const { code, signal } = await within(run.exited, 30_000, 'exit after SIGINT');
  const out = run.output();
  assert.equal(signal, null, out);
  assert.equal(code, 130, out);
  assert.match(out, /interrupt: finishing this optimizer step/);
  assert.match(out, /saved .*last\.safetensors/);
  assert.match(out, /interrupted: \d+ epochs, \d+ iterations/);
  const last = join(project, 'a', 'weights', 'last.safetensors');
  assert.ok(existsSync(last));
  const ck = readTrainingState(last);
  let epoch: number, resumeBatch: number, iteration: number;
  try {
    ({ epoch, iteration } = ck.info);
    resumeBatch = Number(ck.info.extra.resumeBatch ?? 0);
    assert.ok(ck.modelState().size > 0);
  } finally {
    ck.dispose();
  }
  // `epoch` is the last completed one; resumeBatch batches of the next were trained before the stop
  assert.ok(resumeBatch >= 0 && resumeBatch <= BATCHES, `resumeBatch ${resumeBatch}`);
  assert.equal(iteration, (epoch + 1) * BATCHES + resumeBatch);
  // resume and finish the interrupted epoch (--epochs caps the run there)
  const resumed = start(['train', '--resume', last, '--epochs', String(epoch + 2)]);
  const r = await within(resumed.exited, 90_000, 'the resumed run');
  const again = resumed.output();
  assert.equal(r.code, 0, again);
  const at = resumeBatch > 0 ? `, batch ${resumeBatch + 1}/${BATCHES}` : '';
  assert.ok(again.includes(`at epoch ${epoch + 2}/${epoch + 2}${at} (iteration ${iteration})`), again);
  assert.match(again, new RegExp(`done: ${epoch + 2} epochs, ${(epoch + 2) * BATCHES} iterations`));
});

test('a second Ctrl-C exits at once, without saving', { timeout: 90_000 }, async () => {
  // one optimizer step per epoch (8 batches accumulated), so the first Ctrl-C has several batches to finish
  const run = start([...trainArgs('b'), '--nominal-batch-size', String(8 * BATCHES)]);
  // after the first epoch's summary line, so the first Ctrl-C lands in epoch 2 with its batches to finish (a
  // signal caught right after epoch 1's last batch would stop there at once, before the second could arrive)
  await run.waitFor(/epoch 1\/50: loss/, 60_000);
  run.child.kill('SIGINT');
  await run.waitFor(/interrupt: finishing/, 20_000);
  run.child.kill('SIGINT');
  const { code } = await within(run.exited, 20_000, 'exit after the second SIGINT');
  const out = run.output();
  assert.equal(code, 130, out);
  assert.match(out, /second interrupt: exiting without saving/);
  assert.doesNotMatch(out, /interrupted after batch|--resume continues/);
});
