// Evaluation in the training loader's frame clips detections to the image
// inside the letterboxed square, not to the square: the grey border is not
// image (yolov3 val clips to the original image the same way).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { DataLoader, NO_AUGMENT, openDataset } from '../../src/data/index.js';
import { loaderEvalBatches } from '../../src/val/index.js';
import { sharedPath } from '../support/references.js';

test('loader-frame evaluation clips boxes to the letterboxed image, by hand for a 640 x 480 image at 64', async (t) => {
  const yaml = sharedPath(t, join('data', 'coco128', 'coco128.yaml'));
  if (!yaml) return;
  const before = torch.memory().tensors;
  const ds = await openDataset(yaml, { split: 'train', size: 64 });
  const loader = new DataLoader(ds, { batchSize: 1, imgSize: 64, shuffle: false, augment: NO_AUGMENT, maxSamples: 1 });
  try {
    assert.deepEqual([ds.samples[0].width, ds.samples[0].height], [640, 480]); // 000000000009.jpg
    for await (const b of loaderEvalBatches(loader)) {
      // 640 x 480 scaled by 0.1 to 64 x 48, 8 grey rows above and below
      assert.deepEqual(b.toFrame([-5, 0, 70, 64], 0), [0, 8, 64, 56]);
      assert.deepEqual(b.toFrame([10, 20, 30, 40], 0), [10, 20, 30, 40]);
      b.dispose();
    }
  } finally {
    await loader.close();
  }
  assert.equal(torch.memory().tensors, before);
});
