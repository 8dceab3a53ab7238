import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesMap } from '../../../src/train/diagnostics/series_map.js';

test("the series' in-training mAP: batches 0, 10, 20 … of an epoch", () => {
  assert.deepEqual([0, 1, 9, 10, 11, 20, 24].map((ii) => SeriesMap.evaluates(ii)), [true, false, false, true, false, true, false]);
});

test('images are known by their index within the batch, so stacked batches collide (as the series stacks them)', () => {
  const m = new SeriesMap();
  // batch 1: image 0 has a label at the left, no detection
  m.add([[], []], [0, 0.25, 0.5, 0.2, 0.2, 3], 100, 100);
  // batch 2: image 0 has a label at the right and two detections: one on its own label, one where batch 1's image 0 had its label
  const rows = [[65, 40, 85, 60, 0.9, 3, 15, 40, 35, 60, 0.8, 3], []];
  m.add(rows, [0, 0.75, 0.5, 0.2, 0.2, 3], 100, 100);
  const collided = m.endEpoch();
  assert.equal(collided.batches, 2);
  assert.equal(collided.map50, 1); // both labels found: the second detection matched the other image's label
  // the same detections with distinct images would find only one of the two labels with the top score first: AP 0.5
  const fresh = new SeriesMap();
  fresh.add([[], []], [0, 0.25, 0.5, 0.2, 0.2, 3], 100, 100);
  fresh.add([[65, 40, 85, 60, 0.9, 3], [15, 40, 35, 60, 0.8, 3]], [0, 0.75, 0.5, 0.2, 0.2, 3], 100, 100);
  // image 1 of batch 2 has no label: its detection is a false positive; image 0's two labels: one found at rank 1
  assert.equal(fresh.endEpoch().map50, 0.5);
  assert.deepEqual(m.endEpoch(), { map50: 0, batches: 0 }); // reset after an epoch; nothing evaluated
});

test('a checkpoint mid-epoch keeps what the epoch gathered', () => {
  const a = new SeriesMap();
  a.add([[15, 40, 35, 60, 0.9, 1]], [0, 0.25, 0.5, 0.2, 0.2, 1], 100, 100);
  const b = new SeriesMap();
  b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
  assert.deepEqual(b.endEpoch(), a.endEpoch());
});
