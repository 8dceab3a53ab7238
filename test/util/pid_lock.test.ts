// The pid lock: held once (a second taker gets the owner's pid), released
// by release() and by the owner's exit, taken over when the owner is dead
// or when its pid now belongs to another process (start time differs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockHeldError, acquirePidLock } from '../../src/util/pid_lock.js';
import { REPO_ROOT } from '../support/references.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'pid-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a held lock refuses a second taker, naming the owner; release frees it', (t) => {
  const path = join(tempDir(t), 'train.lock');
  const lock = acquirePidLock(path, 'the thing');
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
  assert.throws(() => acquirePidLock(path, 'the thing'), (e: unknown) => e instanceof LockHeldError && new RegExp(`^the thing is in use by process ${process.pid} \\(since .*; lock ${path}\\)$`).test(e.message));
  lock.release();
  assert.ok(!existsSync(path));
  lock.release(); // twice is harmless
  acquirePidLock(path, 'the thing').release();
});

test("a dead owner's lock, or one whose pid was reused, is taken over", (t) => {
  const dir = tempDir(t);
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid answers no more (unless reused at once)
  const path = join(dir, 'a.lock');
  writeFileSync(path, JSON.stringify({ pid: dead, host: hostname(), since: '2026-01-01T00:00:00Z' }));
  const a = acquirePidLock(path, 'a');
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
  a.release();
  // our own pid but another start time: the process that took it is gone, ours reuses the number
  writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname(), start: '1', since: '2026-01-01T00:00:00Z' }));
  acquirePidLock(path, 'a').release();
  // a lock from another host cannot be checked: held
  writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere.invalid', since: '2026-01-01T00:00:00Z' }));
  assert.throws(() => acquirePidLock(path, 'a'), /in use by process 1 on elsewhere\.invalid/);
});

test('the lock goes when its owner exits, also by process.exit or an uncaught error', async (t) => {
  const dir = tempDir(t);
  const lockModule = join(REPO_ROOT, 'dist', 'src', 'util', 'pid_lock.js');
  for (const [name, ending] of [['exit', 'process.exit(3)'], ['throw', "throw new Error('boom')"]] as const) {
    const path = join(dir, `${name}.lock`);
    const code = `import(${JSON.stringify(lockModule)}).then((m) => { m.acquirePidLock(${JSON.stringify(path)}, 'x'); console.log('held'); setTimeout(() => { ${ending}; }, 50); });`;
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(out.trim(), 'held', name);
    assert.notEqual(exit, 0, name);
    assert.ok(!existsSync(path), `${name}: lock removed`);
  }
});
