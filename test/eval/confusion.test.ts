// The confusion matrix on a hand case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfusionMatrix } from '../../src/eval/index.js';

test('confusion matrix counts correct, confused, missed and spurious boxes', () => {
  const cm = new ConfusionMatrix(2, { confThreshold: 0.25, iouThreshold: 0.45 });
  cm.addAll(
    [
      { imageId: 1, box: [0, 0, 10, 10], score: 0.9, category: 0 }, // right class
      { imageId: 1, box: [20, 20, 30, 30], score: 0.8, category: 0 }, // on a class-1 object: confused
      { imageId: 1, box: [50, 50, 60, 60], score: 0.7, category: 1 }, // nothing there
      { imageId: 1, box: [0, 0, 10, 10], score: 0.1, category: 1 }, // below confThreshold: not counted
      { imageId: 2, box: [0, 0, 10, 10], score: 0.9, category: 1 }, // image 2 has no objects
    ],
    [
      { imageId: 1, box: [0, 0, 10, 10], category: 0 },
      { imageId: 1, box: [20, 20, 30, 30], category: 1 },
      { imageId: 1, box: [80, 80, 90, 90], category: 1 }, // missed
    ],
  );
  // rows predicted (0, 1, background), columns true (0, 1, background)
  assert.deepEqual(cm.matrix, [
    [1, 1, 0],
    [0, 0, 2],
    [0, 1, 0],
  ]);
  assert.throws(() => cm.addImage([], [{ box: [0, 0, 1, 1], category: 5 }]), /true class 5 outside 0..1/);
});
