// NMS rows to Detections, and the results file round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { detectionsFromRows, saveCocoResults, loadCocoResults, categoryIdsFor, COCO_NAMES } from '../../src/eval/index.js';

test('detectionsFromRows maps class indices to category ids', () => {
  const start = torch.memory().tensors;
  const rows = [[1, 2, 3, 4, 0.5, 0], [5, 6, 7, 8, 0.25, 79]];
  const ids = categoryIdsFor(COCO_NAMES);
  const fromArrays = detectionsFromRows(rows, 9, ids);
  assert.deepEqual(fromArrays, [
    { imageId: 9, box: [1, 2, 3, 4], score: 0.5, category: 1 },
    { imageId: 9, box: [5, 6, 7, 8], score: 0.25, category: 90 },
  ]);
  torch.tidy(() => {
    assert.deepEqual(detectionsFromRows(torch.tensor(rows, { dtype: 'float64' }), 9, ids), fromArrays);
    assert.throws(() => detectionsFromRows(torch.zeros([2, 4]), 1), /expected a tensor \[n, 6\]/);
  });
  assert.deepEqual(detectionsFromRows(rows, 'x').map((d) => d.category), [0, 79]);
  assert.throws(() => detectionsFromRows([[0, 0, 1, 1, 1, 3]], 1, [1, 2]), /class 3 has no category id/);
  assert.equal(torch.memory().tensors, start);
});

test('COCO results file round trip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coco-json-'));
  try {
    const dets = [{ imageId: 'dog', box: [1, 2, 11, 22], score: 0.75, category: 17 }];
    saveCocoResults(join(dir, 'r.json'), dets);
    assert.deepEqual(loadCocoResults(join(dir, 'r.json')), dets);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
