import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AssignmentStats, type AssignedRow } from '../../../src/train/diagnostics/assignment_stats.js';

const row = (label: string, s: number, a: number, iou: number, obj: number, cell = `${label}-${s}-${a}`): AssignedRow => ({ label, s, a, iou, obj, cell });

test('per epoch: fraction of labels whose (s, a) set changed, mean IoU, objectness at assigned cells and elsewhere', () => {
  const st = new AssignmentStats();
  // epoch 1: label A trains (0,1) and (1,0) (ratio: several scales); B trains (2,2); 10 predictions in all
  st.addStep({ rows: [row('A', 0, 1, 0.5, 0.8), row('A', 1, 0, 0.3, 0.6)], objSum: 3.0, objCount: 6 });
  st.addStep({ rows: [row('B', 2, 2, 0.1, 0.2)], objSum: 1.0, objCount: 4 });
  const e1 = st.endEpoch();
  assert.equal(e1.assignChanged, undefined); // nothing to compare with
  assert.ok(Math.abs(e1.assignedIou! - 0.3) < 1e-12); // (0.5 + 0.3 + 0.1) / 3
  assert.ok(Math.abs(e1.objAssigned! - 1.6 / 3) < 1e-12);
  assert.ok(Math.abs(e1.objElsewhere! - (4.0 - 1.6) / 7) < 1e-12);
  // epoch 2: A keeps its pairs (other order), B moves to (1,2); two labels on one cell count the cell once
  const resumed = new AssignmentStats();
  resumed.loadStateDict(JSON.parse(JSON.stringify(st.stateDict()))); // survives a checkpoint
  resumed.addStep({ rows: [row('A', 1, 0, 0.4, 0.5, 'c1'), row('A', 0, 1, 0.6, 0.7, 'c2'), row('B', 1, 2, 0.2, 0.7, 'c2')], objSum: 2.0, objCount: 10 });
  const e2 = resumed.endEpoch();
  assert.equal(e2.assignChanged, 0.5); // B changed, A did not
  assert.ok(Math.abs(e2.objAssigned! - 0.6) < 1e-12); // cells c1 (0.5) and c2 (last written 0.7)
  assert.ok(Math.abs(e2.objElsewhere! - (2.0 - 1.2) / 8) < 1e-12);
});
