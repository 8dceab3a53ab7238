// --diagnostics writes one diagnostics.csv row per epoch, changes nothing
// the run learns, and a run stopped mid-epoch writes, once resumed, the
// rows an uninterrupted one writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { train } from '../../src/train/trainer.js';
import { checkpointPath } from '../../src/train/training_state.js';
import { readResultsCsv } from '../../src/train/results_csv.js';
import { DIAGNOSTIC_COLUMNS } from '../../src/train/hooks/index.js';
import { SHAPES_CFG, quiet, tempProject } from './train_setup.js';

test('diagnostics: a row per epoch, the same losses as without, and exact after a mid-epoch resume', async (t) => {
  const project = tempProject(t, 'yolo-diag-');
  const start = torch.memory().tensors;
  // 11 batches of 2 per epoch: batches 0 and 10 are the series' evaluated ones
  const opts = { cfg: SHAPES_CFG, data: 'shapes:22', imgSize: 64, batchSize: 2, augment: false, seed: 5, lr0: 1e-3, peakLr: 2e-3, warmupIters: 2, project, epochs: 2, evalInterval: 1 };
  const plain = await train({ ...opts, name: 'plain' }, quiet);
  const full = await train({ ...opts, name: 'full', diagnostics: true }, quiet);
  full.losses.forEach((l, i) => assert.equal(l, plain.losses[i], `iteration ${i}: diagnostics changed training`));
  const rows = readResultsCsv(join(full.paths.dir, 'diagnostics.csv'));
  assert.deepEqual(rows.columns, [...DIAGNOSTIC_COLUMNS]);
  assert.deepEqual(rows.rows.map((r) => [r.epoch, r.series_batches]), [[0, 2], [1, 2]]);
  assert.equal(rows.rows[0].assign_changed, undefined, 'nothing to compare with in the first epoch');
  assert.equal(rows.rows[1].assign_changed, 0, "ratio assigns by label shape: no label's anchors change without augmentation");
  for (const r of rows.rows) {
    for (const k of ['map50_series', 'assigned_iou', 'obj_assigned', 'obj_elsewhere'] as const) assert.ok(r[k]! >= 0 && r[k]! <= 1, `${k} ${r[k]}`);
  }
  const part = await train({ ...opts, name: 'part', diagnostics: true }, { ...quiet, interruptAfterIterations: 14 });
  assert.equal(part.interrupted, true);
  await train({ resume: checkpointPath(join(part.paths.dir, 'weights'), 'last') }, quiet);
  const resumed = readResultsCsv(join(part.paths.dir, 'diagnostics.csv')).rows;
  assert.equal(resumed.length, 2);
  resumed.forEach((r, e) => {
    for (const k of DIAGNOSTIC_COLUMNS) {
      const [x, y] = [r[k], rows.rows[e][k]];
      assert.ok(x === y || Math.abs(x! - y!) <= 1e-6, `epoch ${e} ${k}: ${x} vs ${y}`);
    }
  });
  assert.equal(torch.memory().tensors, start);
});
