// A non-finite loss stops training with an error naming the loss parts and
// the batch's images, and writes no checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, saveWeights } from '../../src/darknet/index.js';
import { train } from '../../src/train/trainer.js';
import { NonFiniteLossError } from '../../src/train/finite_guard.js';
import { REPO_ROOT } from '../support/references.js';

const CFG = join(REPO_ROOT, 'cfg', 'shapes-tiny.cfg');

test('NaN weights: NonFiniteLossError with parts and image ids; no checkpoint; no leak', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'yolo-nan-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const model = Darknet.fromFile(CFG);
  torch.noGrad(() => model.parameters()[0].fill_(NaN));
  saveWeights(model, join(dir, 'nan.weights'));
  model.dispose();
  const start = torch.memory().tensors;
  await assert.rejects(
    train({ cfg: CFG, data: 'shapes:4', imgSize: 64, batchSize: 2, epochs: 1, augment: false, weights: join(dir, 'nan.weights'), project: dir, name: 'run' }, { log: () => {} }),
    (e: unknown) => {
      assert.ok(e instanceof NonFiniteLossError, String(e));
      assert.match(e.message, /non-finite loss at epoch 0, iteration 0: .*box/);
      assert.match(e.message, /batch images: shapes-0-\d, shapes-0-\d/);
      return true;
    },
  );
  assert.ok(!existsSync(join(dir, 'run', 'weights', 'last.safetensors')));
  assert.equal(torch.memory().tensors, start);
});
