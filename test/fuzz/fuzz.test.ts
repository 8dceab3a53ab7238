// The fuzzer in the test suite: 300 seeded cases through the CLI, two child
// processes at a time, and every case that once failed. `npm run fuzz` runs
// any number (test/fuzz/run.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KINDS } from './kinds.js';
import { runCampaign, tally } from './campaign.js';
import { writeSeeds } from './seeds.js';
import { readRegressions, replay } from './regressions.js';

const CASES = Number(process.env.YOLO_FUZZ_CASES ?? 300);
const SEED = Number(process.env.YOLO_FUZZ_SEED ?? 17);

async function seeded(t: { after: (f: () => void) => void }): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'yolo-fuzz-test-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  await writeSeeds(join(root, 'seeds'));
  return root;
}

test('fuzz regressions: every case that once failed now passes', async (t) => {
  const root = await seeded(t);
  const cases = readRegressions();
  assert.ok(cases.length > 0);
  for (const [i, c] of cases.entries()) {
    const v = await replay(root, c, i);
    assert.ok(v.ok, `${JSON.stringify(c)}: ${v.result}${v.line ? `: ${v.line}` : ''}`);
  }
});

test(`fuzz: ${CASES} seeded cases (seed ${SEED}) through the CLI: success or a clean one-line error naming the file`, async (t) => {
  const root = await seeded(t);
  const t0 = Date.now();
  const results = await runCampaign(root, SEED, CASES, { parallel: 2 });
  t.diagnostic(`${CASES} cases in ${((Date.now() - t0) / 1000).toFixed(0)} s\n${tally(results)}`);
  assert.equal(results.length, CASES);
  // every kind ran, and the mutations produced both clean errors and still-valid inputs
  for (const kind of Object.keys(KINDS)) assert.ok(results.some((c) => c.kind === kind), kind);
  assert.ok(results.some((c) => c.result === 'error') && results.some((c) => c.result === 'success'));
  const failed = results.filter((c) => !c.ok).map((c) => `case ${c.index} [${c.kind} ${c.command}] ${c.target}: ${c.what} -> ${c.result}${c.line ? `: ${c.line}` : ''}`);
  assert.deepEqual(failed, []);
});
