// Two processes, one run folder: two `yolov3 train` started at once with
// the same --project/--name get separate folders (mkdir decides), and a
// --resume of a run whose process still trains is refused with an error
// naming that process, before anything is written; once that process is
// killed (SIGKILL: its lock stays behind, stale), --resume takes the lock
// over and continues.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResultsCsv } from '../../src/train/results_csv.js';
import { SHAPES_CFG } from './train_setup.js';
import { killAll, startYolo } from './child_run.js';

const project = mkdtempSync(join(tmpdir(), 'yolo-lock-'));
test.after(() => {
  killAll();
  rmSync(project, { recursive: true, force: true });
});

const trainArgs = (name: string, epochs: number) => [
  'train', '--cfg', SHAPES_CFG, '--data', 'shapes:16', '--img-size', '64', '--batch-size', '8', '--epochs', String(epochs), '--workers', '0',
  '--eval-interval', '100', '--max-val-samples', '4', '--project', project, '--name', name,
];

test('two trains started at once with the same --name get separate run folders', { timeout: 180_000 }, async () => {
  const runs = [0, 1, 2].map(() => startYolo(trainArgs('same', 1)));
  const folders: string[] = [];
  for (const r of runs) {
    const { code } = await r.exited;
    assert.equal(code, 0, r.output());
    folders.push(/done: .* run folder (\S+)/.exec(r.output())![1]);
  }
  assert.deepEqual([...folders].sort(), [join(project, 'same'), join(project, 'same2'), join(project, 'same3')]);
  for (const f of folders) {
    assert.deepEqual(readResultsCsv(join(f, 'results.csv')).rows.map((r) => r.epoch), [0], `${f}: one writer, one row`);
    assert.ok(!existsSync(join(f, 'train.lock')), `${f}: lock released`);
  }
});

test('--resume of a run still training is refused; after its process is killed, --resume takes over', { timeout: 180_000 }, async () => {
  const first = startYolo(trainArgs('busy', 200));
  const dir = join(project, 'busy');
  const last = join(dir, 'weights', 'last.safetensors');
  await first.waitFor(() => existsSync(last), 120_000, 'the first last');
  const results = readFileSync(join(dir, 'results.csv'), 'utf8');
  const lastMtime = statSync(last).mtimeMs;
  const second = startYolo(['train', '--resume', last, '--epochs', '300']);
  const refused = await second.exited;
  assert.equal(refused.code, 1, second.output());
  assert.match(second.output(), new RegExp(`yolov3: run folder ${dir} is in use by process ${first.child.pid} \\(since .*; lock ${join(dir, 'train.lock')}\\): another yolov3 train is writing this run`));
  assert.doesNotMatch(second.output(), /resuming|at .*\.js:\d+/, 'refused before starting, no stack');
  assert.ok(first.child.exitCode === null, 'the first run trains on');
  // the refused resume wrote nothing: results.csv only grew by the first run's own rows (never truncated by a second writer)
  assert.ok(readFileSync(join(dir, 'results.csv'), 'utf8').startsWith(results));
  assert.ok(statSync(last).mtimeMs >= lastMtime);

  first.child.kill('SIGKILL');
  await first.exited;
  assert.ok(existsSync(join(dir, 'train.lock')), 'SIGKILL leaves the lock behind');
  const third = startYolo(['train', '--resume', last, '--epochs', '1']);
  const done = await third.exited;
  // --epochs 1 ends at once when the killed run had completed epoch 1 already; either way it ran and exited cleanly
  assert.equal(done.code, 0, third.output());
  assert.match(third.output(), /resuming /);
  assert.ok(!existsSync(join(dir, 'train.lock')), 'released at the end');
});
