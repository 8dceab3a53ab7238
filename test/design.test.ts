// docs/DESIGN.md's concept table is true of the code: every row names one
// file under src/, that file exists, and it defines the name given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './support/references.js';

test('every row of the concept table in docs/DESIGN.md names one file, which holds it', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'DESIGN.md'), 'utf8');
  const section = doc.split('## Where each concept lives')[1]?.split('\n## ')[0];
  assert.ok(section, 'docs/DESIGN.md has the concept table');
  const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| concept') && !l.startsWith('|---'));
  assert.ok(rows.length >= 30, `${rows.length} rows`);
  const wrong: string[] = [];
  for (const row of rows) {
    const cells = row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    const files = [...cells[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const name = cells[2]?.replace(/`/g, '');
    if (files.length !== 1) {
      wrong.push(`${cells[0]}: names ${files.length} files`);
      continue;
    }
    const path = join(REPO_ROOT, files[0]);
    if (!existsSync(path)) {
      wrong.push(`${cells[0]}: ${files[0]} does not exist`);
      continue;
    }
    // the name is defined there: `export function name`, `export const name`, `class name`, `interface name`, `type name`
    const bare = name.replace(/^(class|interface|type) /, '');
    const defined = new RegExp(`export (declare )?(async )?(function|const|class|interface|type|abstract class) ${bare}\\b`).test(readFileSync(path, 'utf8'));
    if (!defined) wrong.push(`${cells[0]}: ${files[0]} does not define ${bare}`);
  }
  assert.deepEqual(wrong, []);
});
