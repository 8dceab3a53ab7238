// `yolov3 train` says in one line when the cfg's anchors leave the training
// labels out of reach (best possible recall < 0.98), and nothing when they fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { openTraining } from '../../src/train/setup.js';
import { SHAPES_CFG, tempProject } from './train_setup.js';

async function logOf(cfg: string, project: string, name: string): Promise<string[]> {
  const lines: string[] = [];
  const ctx = await openTraining({ cfg, data: 'shapes:8', imgSize: 64, batchSize: 4, augment: false, workers: 0, project, name }, (s) => lines.push(s));
  await ctx.close();
  return lines;
}

test('train warns once when the anchors reach under 98% of the labels', async (t) => {
  const project = tempProject(t, 'yolo-anchor-warning-');
  const start = torch.memory().tensors;
  // Shapes at 64 px are 8..29 px: 1 x 1 px anchors reach none of them (a ratio over 4).
  const tiny = join(project, 'tiny-anchors.cfg');
  writeFileSync(tiny, readFileSync(SHAPES_CFG, 'utf8').replace(/^anchors\s*=.*$/gm, 'anchors = 1,1, 1,1, 1,1, 1,1, 1,1, 1,1'));
  const bad = (await logOf(tiny, project, 'bad')).filter((l) => l.startsWith('warning:'));
  assert.equal(bad.length, 1, bad.join('\n'));
  assert.match(bad[0], /^warning: the cfg's anchors reach 0\.0% of the \d+ training labels at 64 px \(best possible recall 0\.0000 < 0\.98, ratio 4\); 'yolov3 anchors --data shapes:8 --img-size 64' suggests better ones$/);
  const good = (await logOf(SHAPES_CFG, project, 'good')).filter((l) => l.startsWith('warning:'));
  assert.deepEqual(good, []);
  assert.equal(torch.memory().tensors, start);
});
