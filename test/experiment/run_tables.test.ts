import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { overlayRows, readRunTables, summarizeRun, wallSeconds } from '../../src/experiment/run_tables.js';

test('wall time sums the clock of each train() call of a resumed run', () => {
  // a call that stopped after 30 s, then a resumed call whose clock restarts
  assert.equal(wallSeconds([{ time_s: 10 }, { time_s: 30 }, { time_s: 12 }, { time_s: 25 }]), 55);
  assert.equal(wallSeconds([{ time_s: 5 }, { time_s: 9 }]), 9);
  assert.equal(wallSeconds([]), 0);
});

test('a run summary: final, best and the epoch of the best, from results.csv', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'yolo-exp-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'a'));
  writeFileSync(join(root, 'a', 'results.csv'), [
    'epoch,iteration,train_bbox,train_obj,train_cls,train_loss,lr,map50,map,time_s',
    '0,4,1,1,1,3,0.001,0.2,0.1,10',
    '1,8,1,1,1,3,0.001,,,20',
    '2,12,1,1,1,3,0.001,0.6,0.3,30',
    '3,16,1,1,1,3,0.001,0.5,0.35,40',
  ].join('\n') + '\n');
  const tables = readRunTables(root, 'a')!;
  assert.equal(readRunTables(root, 'missing'), null);
  const s = summarizeRun(tables);
  assert.deepEqual(s, { name: 'a', epochs: 4, finalMap50: 0.5, finalMap: 0.35, bestMap50: 0.6, mapAtBest: 0.3, bestEpoch: 3, wallSeconds: 40 });
  // 1-based epochs, one column per run, epochs without a value left out
  assert.deepEqual(overlayRows([tables], 'map50'), [{ epoch: 1, a: 0.2 }, { epoch: 3, a: 0.6 }, { epoch: 4, a: 0.5 }]);
});
