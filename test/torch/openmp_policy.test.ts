// Loading the addon makes libgomp's idle threads spin OPENMP_SPIN_COUNT
// rounds, not libgomp's 300000, before they sleep (src/torch/native.ts
// withShortOpenMpSpin), unless the environment chose a
// policy or spin count, and leaves process.env as it found it. libgomp's
// OMP_DISPLAY_ENV=VERBOSE report (on stderr, at load) says what it read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OPENMP_SPIN_COUNT } from '../../src/torch/native.js';

const runtime = fileURLToPath(new URL('../../src/torch/index.js', import.meta.url));

function loadWith(env: Record<string, string>): { spinCount: string; policy: string; envAfter: string } {
  const script = `await import(${JSON.stringify(runtime)}); console.log(JSON.stringify(process.env.GOMP_SPINCOUNT ?? 'unset'));`;
  const clean = { ...process.env };
  delete clean.OMP_WAIT_POLICY;
  delete clean.GOMP_SPINCOUNT;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...clean, OMP_DISPLAY_ENV: 'VERBOSE', ...env }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const shown = (name: string) => r.stderr.match(new RegExp(`${name} = '([^']*)'`))?.[1] ?? 'absent';
  return { spinCount: shown('GOMP_SPINCOUNT'), policy: shown('OMP_WAIT_POLICY'), envAfter: JSON.parse(r.stdout.trim().split('\n').pop()!) };
}

test('by default libgomp spins OPENMP_SPIN_COUNT rounds, and the variable does not reach child processes', () => {
  assert.equal(OPENMP_SPIN_COUNT, 10000);
  assert.deepEqual(loadWith({}), { spinCount: '10000', policy: 'PASSIVE', envAfter: 'unset' });
});

test("the environment's own wait policy or spin count is kept", () => {
  const active = loadWith({ OMP_WAIT_POLICY: 'ACTIVE' });
  assert.equal(active.policy, 'ACTIVE');
  assert.equal(active.spinCount, '30000000000'); // libgomp's for ACTIVE: ours was not set
  assert.deepEqual(loadWith({ OMP_WAIT_POLICY: 'PASSIVE' }).spinCount, '0');
  const own = loadWith({ GOMP_SPINCOUNT: '300000' });
  assert.equal(own.spinCount, '300000');
  assert.equal(own.envAfter, '300000');
});
