// Test helpers for independent references: Debian's Python (PyTorch,
// torchvision, OpenCV, numpy under /usr/bin/python3) and the shared data.
// A test that needs one skips with a printed reason when it is absent, and
// fails instead when YOLO_REQUIRE_SHARED=1 (as in CI).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const PYTHON = '/usr/bin/python3';
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SHARED = join(REPO_ROOT, '..', 'shared');
const required = process.env.YOLO_REQUIRE_SHARED === '1';

/** Skips the test (or fails it, when references are required) with a reason. */
export function skipOrFail(t: TestContext, reason: string): false {
  if (required) throw new Error(`required reference missing: ${reason}`);
  t.skip(reason);
  return false;
}

/** Absolute path of a file under ../shared, or a skip when absent. */
export function sharedPath(t: TestContext, relative: string): string | null {
  const p = join(SHARED, relative);
  if (existsSync(p)) return p;
  skipOrFail(t, `shared data not found: ${p}`);
  return null;
}

const moduleCache = new Map<string, boolean>();
/** True when /usr/bin/python3 can import all the given modules; else skips the test. */
export function hasPython(t: TestContext, ...modules: string[]): boolean {
  const key = modules.join(',');
  if (!moduleCache.has(key)) {
    const r = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ') || 'pass']) : null;
    moduleCache.set(key, r?.status === 0);
  }
  if (moduleCache.get(key)) return true;
  return skipOrFail(t, `${PYTHON} cannot import ${key} (apt-get install python3-torch python3-torchvision python3-opencv python3-numpy)`);
}

/**
 * Runs a Python script under /usr/bin/python3. `input` is JSON on stdin
 * (read it as `json.load(sys.stdin)`); the script prints one JSON value,
 * which is returned.
 */
export function runPython<T = unknown>(script: string, input: unknown = null, options: { timeoutMs?: number } = {}): T {
  const r = spawnSync(PYTHON, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: options.timeoutMs ?? 120_000,
    env: { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '2' },
  });
  if (r.status !== 0) throw new Error(`python reference failed (${r.status ?? r.signal}):\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
