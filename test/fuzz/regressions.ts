// Fuzz cases that once failed, kept as regression tests: a small mutated
// file in test/fuzz/regressions/ with the command that failed on it, or (for
// large binary files) the seed and index that generate the case again.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/references.js';
import { execute, prepareCase, runCase } from './campaign.js';
import type { Verdict } from './oracle.js';

export const REGRESSIONS = join(REPO_ROOT, 'test', 'fuzz', 'regressions');

export type Regression = { found: string } & (
  | { file: string; kind: string; command: string; target: string }
  | { seed: number; index: number; kind?: string }
);

export function readRegressions(): Regression[] {
  return JSON.parse(readFileSync(join(REGRESSIONS, 'cases.json'), 'utf8')) as Regression[];
}

/** Replays one regression in `root` (which holds the seeds). */
export async function replay(root: string, c: Regression, i: number): Promise<Verdict> {
  if ('seed' in c) return runCase(root, c.seed, c.index, c.kind);
  const p = prepareCase(root, `regression-${i}`, c.kind);
  const target = join(p.dir, c.target);
  copyFileSync(join(REGRESSIONS, c.file), target);
  return execute(p, c.kind, c.command, target);
}
