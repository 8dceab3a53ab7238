// Compiles a small C program against C darknet's libdarknet.so (Debian's
// package `darknet`), once per process, for tests that compare with it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { skipOrFail } from './references.js';

export const DARKNET_LIB_DIR = '/usr/lib/darknet';
const compiled = new Map<string, string | null>();

/** Path of the compiled program, or null after skipping (no darknet, no cc, or it fails to compile). */
export function compileDarknetProgram(t: TestContext, name: string, source: string): string | null {
  if (!compiled.has(name)) {
    let exe: string | null = null;
    if (existsSync(join(DARKNET_LIB_DIR, 'libdarknet.so')) && existsSync(join(DARKNET_LIB_DIR, 'include', 'darknet.h'))) {
      const dir = mkdtempSync(join(tmpdir(), 'yolov3-c-'));
      writeFileSync(join(dir, `${name}.c`), source);
      const r = spawnSync('cc', ['-O1', `-I${DARKNET_LIB_DIR}/include`, join(dir, `${name}.c`), `-L${DARKNET_LIB_DIR}`, '-ldarknet', `-Wl,-rpath,${DARKNET_LIB_DIR}`, '-lm', '-o', join(dir, name)], { encoding: 'utf8' });
      if (r.status === 0) exe = join(dir, name);
      else throw new Error(`${name}.c does not compile:\n${r.stderr}`);
    }
    compiled.set(name, exe);
  }
  const exe = compiled.get(name)!;
  if (exe === null) skipOrFail(t, 'C darknet not found (apt-get install darknet)');
  return exe;
}

/** Runs a compiled program; returns its stdout, failing with its stderr. */
export function runProgram(exe: string, args: string[]): string {
  const r = spawnSync(exe, args, { encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 28, env: { ...process.env, OMP_NUM_THREADS: '2' } });
  if (r.status !== 0) throw new Error(`${exe} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return r.stdout;
}
