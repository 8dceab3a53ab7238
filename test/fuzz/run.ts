// `npm run fuzz -- --seed S --cases N [--kind K] [--parallel P] [--first I] [--keep DIR] [--json F]`:
// runs N fuzz cases of seed S through the CLI and prints each failure (with
// how to replay it) and a table per kind. --keep DIR keeps every case's folder there. Exit 1 when any case failed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KINDS } from './kinds.js';
import { runCampaign, tally, type CaseResult } from './campaign.js';
import { writeSeeds } from './seeds.js';

const { values } = parseArgs({
  options: { seed: { type: 'string', default: '1' }, cases: { type: 'string', default: '100' }, kind: { type: 'string' }, parallel: { type: 'string', default: '2' }, first: { type: 'string', default: '0' }, keep: { type: 'string' }, json: { type: 'string' } },
});
if (values.kind && !KINDS[values.kind]) {
  console.error(`fuzz: unknown --kind ${values.kind} (one of ${Object.keys(KINDS).join(', ')})`);
  process.exit(2);
}
const root = values.keep ?? mkdtempSync(join(tmpdir(), 'yolo-fuzz-'));
await writeSeeds(join(root, 'seeds'));
const seed = Number(values.seed), t0 = Date.now();
const show = (c: CaseResult) => {
  if (c.ok) return;
  console.log(`FAIL seed ${c.seed} case ${c.index} [${c.kind} ${c.command}] ${c.target}: ${c.what}\n  -> ${c.result}${c.line ? `: ${c.line}` : ''}\n  (replay: npm run fuzz -- --seed ${c.seed} --first ${c.index} --cases 1${values.kind ? ` --kind ${values.kind}` : ''} --keep DIR)`);
};
const results = await runCampaign(root, seed, Number(values.cases), { kind: values.kind, parallel: Number(values.parallel), first: Number(values.first), keep: values.keep !== undefined, done: show });
console.log(`\nseed ${seed}: ${results.length} cases in ${((Date.now() - t0) / 1000).toFixed(0)} s\n${tally(results)}`);
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 1));
if (!values.keep) rmSync(root, { recursive: true, force: true });
process.exitCode = results.some((c) => !c.ok) ? 1 : 0;
