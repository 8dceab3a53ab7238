// Gaussian soft-NMS on a case worked by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { softNms, softNmsCore } from '../../src/boxes/index.js';

// A [0,0,10,10] .9; B [0,0,10,5] .8 (IoU with A .5); C [20,20,30,30] .7 (apart); D = A's box, .3.
const BOXES = [0, 0, 10, 10, 0, 0, 10, 5, 20, 20, 30, 30, 0, 0, 10, 10];
const SCORES = [0.9, 0.8, 0.7, 0.3];

test('soft-NMS decays overlapping scores by exp(-iou^2 / sigma)', () => {
  // sigma .5. Pick A: B *= e^(-.25/.5) = e^-.5 (.485), D *= e^(-1/.5) = e^-2, C unchanged.
  // Pick C (.7): it overlaps nothing. Pick B: D overlaps B with IoU .5, D *= e^-.5. Pick D.
  const r = softNmsCore(BOXES, SCORES, { sigma: 0.5 });
  assert.deepEqual(r.indices, [0, 2, 1, 3]);
  const expected = [0.9, 0.7, 0.8 * Math.exp(-0.5), 0.3 * Math.exp(-2.5)];
  r.scores.forEach((s, i) => assert.ok(Math.abs(s - expected[i]) < 1e-12, `${s} vs ${expected[i]}`));
  // D ends at .3 e^-2.5 = .0246: a threshold of .03 drops it.
  assert.deepEqual(softNmsCore(BOXES, SCORES, { sigma: 0.5, scoreThreshold: 0.03 }).indices, [0, 2, 1]);
  // By class: A and D in different classes do not decay each other.
  const byClass = softNmsCore(BOXES, SCORES, { sigma: 0.5, classes: [0, 0, 0, 1] });
  assert.ok(Math.abs(byClass.scores[byClass.indices.indexOf(3)] - 0.3) < 1e-12);
});

test('softNms on tensors frees what it makes and checks input', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const r = softNms(torch.tensor(Float32Array.from(BOXES), { shape: [4, 4] }), torch.tensor(SCORES), { sigma: 0.5 });
    assert.deepEqual(r.indices.toArray(), [0, 2, 1, 3]);
    assert.equal(r.scores.dtype, 'float32');
    assert.throws(() => softNms(torch.zeros([4, 4]), torch.zeros([3])), /scores must have shape \[4\]/);
    assert.throws(() => softNms(torch.zeros([1, 4]), torch.zeros([1]), { sigma: 0 }), /sigma must be > 0/);
  });
  assert.equal(torch.memory().tensors, start);
});
