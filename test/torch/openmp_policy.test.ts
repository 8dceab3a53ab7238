// Loading the addon makes libgomp's idle threads sleep instead of spinning
// (src/torch/native.ts withPassiveOpenMp), unless the environment chose a
// policy or spin count, and leaves process.env as it found it. libgomp's
// OMP_DISPLAY_ENV=VERBOSE report (on stderr, at load) says what it read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runtime = fileURLToPath(new URL('../../src/torch/index.js', import.meta.url));

function loadWith(env: Record<string, string>): { spinCount: string; policy: string; envAfter: string } {
  const script = `await import(${JSON.stringify(runtime)}); console.log(JSON.stringify(process.env.OMP_WAIT_POLICY ?? 'unset'));`;
  const clean = { ...process.env };
  delete clean.OMP_WAIT_POLICY;
  delete clean.GOMP_SPINCOUNT;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...clean, OMP_DISPLAY_ENV: 'VERBOSE', ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const shown = (name: string) => r.stderr.match(new RegExp(`${name} = '([^']*)'`))?.[1] ?? 'absent';
  return { spinCount: shown('GOMP_SPINCOUNT'), policy: shown('OMP_WAIT_POLICY'), envAfter: JSON.parse(r.stdout.trim().split('\n').pop()!) };
}

test('by default libgomp does not spin, and the variable does not reach child processes', () => {
  assert.deepEqual(loadWith({}), { spinCount: '0', policy: 'PASSIVE', envAfter: 'unset' });
});

test("the environment's own wait policy or spin count is kept", () => {
  assert.deepEqual(loadWith({ OMP_WAIT_POLICY: 'ACTIVE' }).policy, 'ACTIVE');
  assert.deepEqual(loadWith({ OMP_WAIT_POLICY: 'ACTIVE' }).envAfter, 'ACTIVE');
  assert.equal(loadWith({ GOMP_SPINCOUNT: '300000' }).spinCount, '300000');
});
