// A full disk and a read-only folder (issue 17, item 4), on real file
// systems: a small tmpfs for training, which fills up at the second
// epoch's checkpoint (its temporary needs room beside the first `last`),
// and a read-only tmpfs for `detect --out`. Mounting needs root (or
// CAP_SYS_ADMIN); without it the tests skip and say so.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { readTrainingState } from '../../src/train/training_state.js';
import { readResultsCsv } from '../../src/train/results_csv.js';
import { SHAPES_CFG } from './train_setup.js';
import { killAll, startYolo } from './child_run.js';

test.after(killAll);

/** Mounts a tmpfs at a new folder (unmounted after the test); undefined when mounting is not permitted. */
function mountTmpfs(t: TestContext, options: string): string | undefined {
  const base = mkdtempSync(join(tmpdir(), 'yolo-fs-'));
  const dir = join(base, 'mnt');
  mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(base, { recursive: true, force: true });
    return undefined;
  }
  t.after(() => {
    spawnSync('umount', [dir]);
    rmSync(base, { recursive: true, force: true });
  });
  return dir;
}

const skipReason = (t: TestContext) => t.skip('mount -t tmpfs is not permitted here (needs root or CAP_SYS_ADMIN): not tested');

test('training onto a file system that fills up: a clear error, the previous last intact; resumes once there is room', { timeout: 240_000 }, async (t) => {
  const args = (project: string, name: string) => [
    'train', '--cfg', SHAPES_CFG, '--data', 'shapes:16', '--img-size', '64', '--batch-size', '8', '--epochs', '3', '--workers', '0',
    '--eval-interval', '100', '--max-val-samples', '4', '--project', project, '--name', name,
  ];
  // the size of a checkpoint of this run, measured on the ordinary temporary folder
  const probeProject = mkdtempSync(join(tmpdir(), 'yolo-fs-probe-'));
  t.after(() => rmSync(probeProject, { recursive: true, force: true }));
  const probe = startYolo([...args(probeProject, 'p'), '--epochs', '1']);
  assert.equal((await probe.exited).code, 0, probe.output());
  const size = statSync(join(probeProject, 'p', 'weights', 'last.safetensors')).size;
  // room for one checkpoint and the small files, not for a second beside it
  const mnt = mountTmpfs(t, `size=${Math.round(size * 1.5)}`);
  if (!mnt) return skipReason(t);
  const run = startYolo(args(mnt, 'full'));
  const { code, signal } = await run.exited;
  const out = run.output();
  assert.equal(signal, null, out);
  assert.equal(code, 1, out);
  const last = join(mnt, 'full', 'weights', 'last.safetensors');
  assert.match(out, new RegExp(`yolov3: cannot write ${last}: no space left on device \\(ENOSPC\\)\\n`));
  assert.doesNotMatch(out, /\n\s+at .*:\d+:\d+/, 'no stack trace');
  const ck = readTrainingState(last);
  try {
    assert.equal(ck.info.epoch, 0, 'the first epoch\'s last, whole');
    assert.ok(ck.modelState().size > 0);
  } finally {
    ck.dispose();
  }
  assert.deepEqual(readdirSync(join(mnt, 'full', 'weights')).filter((f) => f.includes('.tmp-')), [], 'no temporary left filling the disk');
  assert.ok(!existsSync(join(mnt, 'full', 'train.lock')), 'the lock is released after the failure');
  // room again: --resume continues from that last, and results.csv holds each epoch once
  assert.equal(spawnSync('mount', ['-o', `remount,size=${size * 8}`, mnt]).status, 0);
  const resumed = startYolo(['train', '--resume', last]);
  assert.equal((await resumed.exited).code, 0, resumed.output());
  assert.deepEqual(readResultsCsv(join(mnt, 'full', 'results.csv')).rows.map((r) => r.epoch), [0, 1, 2]);
});

test('detect --out into a read-only folder fails with a clear error before any work', { timeout: 120_000 }, async (t) => {
  const mnt = mountTmpfs(t, 'ro,size=1m');
  if (!mnt) return skipReason(t);
  const dir = mkdtempSync(join(tmpdir(), 'yolo-ro-src-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const image = join(dir, 'a.png');
  await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 90, g: 120, b: 200 } } }).png().toFile(image);
  // --weights names a missing file: had the model been loaded first, that would be the error
  const missing = join(dir, 'missing.weights');
  for (const [out, pattern] of [
    [mnt, `cannot write into --out ${mnt}: read-only file system \\(EROFS\\)`],
    [join(mnt, 'sub'), `cannot create the folder --out ${join(mnt, 'sub')}: read-only file system \\(EROFS\\)`],
  ]) {
    const run = startYolo(['detect', '--cfg', SHAPES_CFG, '--weights', missing, '--source', image, '--out', out]);
    const { code } = await run.exited;
    assert.equal(code, 1, run.output());
    assert.match(run.output(), new RegExp(`^yolov3: ${pattern}\\n$`));
  }
  // and a writable one works (the check itself lets detect run)
  const ok = startYolo(['detect', '--cfg', SHAPES_CFG, '--source', image, '--out', join(dir, 'out')]);
  assert.equal((await ok.exited).code, 0, ok.output());
  assert.ok(existsSync(join(dir, 'out', 'a.jpg')));
  assert.deepEqual(readdirSync(join(dir, 'out')), ['a.jpg'], 'no probe file left');
});
