// src/torch/native.ts: the addon loads with OMP_WAIT_POLICY=PASSIVE unless
// the caller set a policy, and the variable is gone again afterwards, so the
// processes a run starts (the PyTorch references) keep their own defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runtime = fileURLToPath(new URL('../../src/torch/index.js', import.meta.url));

function policyAfterLoad(env: Record<string, string | undefined>): string {
  const script = `await import(${JSON.stringify(runtime)}); console.log(JSON.stringify(process.env.OMP_WAIT_POLICY ?? null));`;
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: childEnv, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('OMP_WAIT_POLICY: unset stays unset for child processes after the addon loads; a set value is left alone', () => {
  assert.equal(policyAfterLoad({ OMP_WAIT_POLICY: undefined }), null);
  assert.equal(policyAfterLoad({ OMP_WAIT_POLICY: 'ACTIVE' }), 'ACTIVE');
});
