// Multi-scale training: the range (ultralytics' 0.5x..1.5x by default, or
// given), darknet's random=1 turning it on, and a run whose batches come at
// sizes drawn from the range, each a multiple of the model's stride.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { readCfg } from '../../src/darknet/index.js';
import type { TrainHook } from '../../src/train/hooks/index.js';
import { cfgWantsMultiScale, defaultMultiScaleRange, maxStride, parseMultiScale } from '../../src/train/multi_scale.js';
import { openTraining } from '../../src/train/setup.js';
import { train } from '../../src/train/trainer.js';
import { REPO_ROOT } from '../support/references.js';
import { SHAPES_CFG, tempProject } from './train_setup.js';

test("the default range is what ultralytics' randrange(0.5 s, 1.5 s + 32) // 32 * 32 can draw", () => {
  // by hand: 416 -> randrange(208, 656) -> 208..655 -> 6*32..20*32; 640 -> 320..991 -> 320..960; 64 -> 32..127 -> 32..96
  assert.deepEqual(defaultMultiScaleRange(416), [192, 640]);
  assert.deepEqual(defaultMultiScaleRange(640), [320, 960]);
  assert.deepEqual(defaultMultiScaleRange(64), [32, 96]);
  assert.deepEqual(defaultMultiScaleRange(32), [32, 64], 'at least one stride');
  assert.deepEqual([parseMultiScale('on'), parseMultiScale('off'), parseMultiScale('320,608'), parseMultiScale(' 64 , 64 ')], [true, false, [320, 608], [64, 64]]);
  for (const bad of ['', '320', '608,320', '320,608,640', 'x,y', '-32,64']) assert.throws(() => parseMultiScale(bad), /--multi-scale expects on, off or MIN,MAX/, bad);
  assert.equal(maxStride(readCfg(join(REPO_ROOT, 'cfg', 'yolov3.cfg')), 416), 32);
  assert.equal(maxStride(readCfg(SHAPES_CFG), 64), 32);
  assert.equal(cfgWantsMultiScale(readCfg(join(REPO_ROOT, 'cfg', 'yolov3-tiny.cfg'))), true); // random=1 in both [yolo]
  assert.equal(cfgWantsMultiScale(readCfg(SHAPES_CFG)), false); // random=0
});

test('--multi-scale: batch sizes vary within the range, multiples of 32, and the run trains', async (t) => {
  const project = tempProject(t, 'yolo-multiscale-');
  const start = torch.memory().tensors;
  const sizes: number[] = [];
  const seen: TrainHook = { beforeStep: (_ctx, batch) => { sizes.push(batch.size); assert.deepEqual(batch.images.shape.slice(2), [batch.size, batch.size]); } };
  const lines: string[] = [];
  const r = await train({ cfg: SHAPES_CFG, data: 'shapes:16', imgSize: 64, batchSize: 2, epochs: 1, augment: false, workers: 0, multiScale: true, maxValSamples: 2, project, name: 'ms', saveImages: 0 }, { log: (s) => lines.push(s), hooks: [seen] });
  assert.ok(lines.includes('multi-scale training: each batch at 32..96 px (multiples of 32), a new size every batch'), lines.join('\n'));
  assert.equal(sizes.length, 8);
  assert.ok(sizes.every((s) => s % 32 === 0 && s >= 32 && s <= 96), sizes.join(','));
  assert.ok(new Set(sizes).size >= 2, `sizes vary: ${sizes.join(',')}`);
  assert.ok(r.losses.every(Number.isFinite) && r.losses.length === 8);
  assert.ok(r.evals.length === 1, 'evaluated (at the fixed size)');
  assert.equal(JSON.parse(readFileSync(join(r.paths.dir, 'options.json'), 'utf8')).multiScale, true);
  assert.equal(torch.memory().tensors, start);
});

test("darknet's random=1 turns it on (said, recorded for a resume); the option overrides it", async (t) => {
  const project = tempProject(t, 'yolo-random-');
  const random = join(project, 'random.cfg');
  writeFileSync(random, readFileSync(SHAPES_CFG, 'utf8').replace(/^random=0$/gm, 'random=1'));
  const open = async (o: { multiScale?: boolean | [number, number] }, name: string) => {
    const lines: string[] = [];
    const ctx = await openTraining({ cfg: random, data: 'shapes:4', imgSize: 64, batchSize: 2, augment: false, workers: 0, project, name, ...o }, (s) => lines.push(s));
    const saved = JSON.parse(readFileSync(join(ctx.paths.dir, 'options.json'), 'utf8')).multiScale;
    await ctx.close();
    return { lines: lines.filter((l) => l.startsWith('multi-scale')), saved };
  };
  assert.deepEqual(await open({}, 'cfg'), { lines: [`multi-scale training: each batch at 32..96 px (multiples of 32), a new size every batch, as ${random}'s random=1 asks (darknet); --multi-scale off trains at 64 only`], saved: true });
  assert.deepEqual(await open({ multiScale: false }, 'off'), { lines: [], saved: false });
  assert.deepEqual(await open({ multiScale: [40, 130] }, 'range'), { lines: ['multi-scale training: each batch at 64..128 px (multiples of 32), a new size every batch'], saved: [40, 130] });
  await assert.rejects(open({ multiScale: [33, 63] }, 'none'), /multi-scale range 33\.\.63 holds no multiple of the model's stride 32/);
});
