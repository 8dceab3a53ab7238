import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { assertFiniteLoss, NonFiniteLossError } from '../../src/train/finite_guard.js';

test('finite parts pass; non-finite ones throw naming the parts and the images', () => {
  assertFiniteLoss({ box: 0.1, obj: 2, cls: 0 }, ['a.jpg']);
  assert.throws(
    () => assertFiniteLoss({ box: NaN, obj: 0.5, cls: Infinity }, ['000000000009', '000000000025'], { epoch: 3, iteration: 120 }),
    (e: Error) => {
      assert.ok(e instanceof NonFiniteLossError);
      assert.equal(e.message, 'non-finite loss at epoch 3, iteration 120: box, cls (box=NaN, obj=0.5, cls=Infinity); batch images: 000000000009, 000000000025');
      assert.deepEqual(e.badParts, ['box', 'cls']);
      assert.deepEqual(e.imageIds, ['000000000009', '000000000025']);
      return true;
    },
  );
  const start = torch.memory().tensors;
  torch.tidy(() => {
    assertFiniteLoss({ total: torch.tensor([1.5]) }, [1]);
    assert.throws(() => assertFiniteLoss({ total: torch.tensor([-Infinity]) }, [7, 8]), /non-finite loss: total \(total=-Infinity\); batch images: 7, 8/);
  });
  assert.equal(torch.memory().tensors, start);
});
