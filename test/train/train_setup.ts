// What the trainer tests share: the small cfg, a silent log, and a
// temporary runs folder removed after the test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { REPO_ROOT } from '../support/references.js';

export const SHAPES_CFG = join(REPO_ROOT, 'cfg', 'shapes-tiny.cfg');
export const quiet = { log: () => {} };

export function tempProject(t: TestContext, prefix: string): string {
  const project = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(project, { recursive: true, force: true }));
  return project;
}
