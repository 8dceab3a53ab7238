// examples/train.ts: a short Shapes run (8 images at 64 px, 2 epochs); the
// results.csv it reads back holds one row per epoch, with the mAP the
// trainer itself returned and finite losses, and the checkpoint is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { trainShapes, SHAPES_CFG } from '../../examples/train.js';
import { REPO_ROOT } from '../support/references.js';
import { tempProject } from '../train/train_setup.js';

test('examples/train: trains on Shapes and reads results.csv back, one row per epoch', { timeout: 300_000 }, async (t) => {
  assert.equal(SHAPES_CFG, join(REPO_ROOT, 'cfg', 'shapes-tiny.cfg'), 'yolov3-ts/cfg/... resolves to the package\'s own cfg');
  const start = torch.memory().tensors;
  const project = tempProject(t, 'yolov3-example-train-');
  const lines: string[] = [];
  const { run, rows } = await trainShapes({ images: 8, epochs: 2, imgSize: 64, batchSize: 4, project }, { log: (s) => lines.push(s) });
  assert.equal(run.epochs, 2);
  assert.equal(rows.length, 2, readFileSync(run.paths.results, 'utf8'));
  assert.deepEqual(rows.map((r) => r.epoch), run.evals.map((e) => e.epoch));
  rows.forEach((r, i) => {
    assert.ok(Number.isFinite(r.train_loss) && r.train_loss > 0, `epoch ${r.epoch} loss ${r.train_loss}`);
    assert.ok(Math.abs(r.map50 - run.evals[i].map50) < 1e-4 && Math.abs(r.map - run.evals[i].map) < 1e-4, `epoch ${r.epoch}: csv ${r.map50}/${r.map}, train() ${JSON.stringify(run.evals[i])}`);
    assert.ok(r.map50 >= 0 && r.map50 <= 1 && r.map <= r.map50 + 1e-9);
  });
  assert.ok(existsSync(join(run.paths.weights, 'last.safetensors')), 'the last checkpoint');
  assert.ok(lines.some((l) => l.includes(run.paths.dir)), 'the trainer said where the run goes');
  assert.equal(torch.memory().tensors, start);
});
