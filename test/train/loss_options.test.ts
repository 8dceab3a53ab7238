// The run's loss options: TrainOptions -> LossOptions in one place
// (options.ts lossOptionsOf), checked before a run folder exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TRAIN, lossOptionsOf, type TrainOptions } from '../../src/train/options.js';
import { resolveTrainOptions } from '../../src/train/trainer.js';

const BASE = { ...DEFAULT_TRAIN, cfg: 'x.cfg', data: 'shapes:4' } as TrainOptions;

test('lossOptionsOf passes lossForm, whClamp, assign, bboxLoss, objTarget and ignoreThresh through; the default form is mean', () => {
  assert.equal(DEFAULT_TRAIN.lossForm, 'mean');
  assert.deepEqual(lossOptionsOf({ ...BASE, lossForm: 'series', whClamp: false, assign: 'pred-iou', bboxLoss: 'iou', objTarget: '1', ignoreThresh: null }), {
    lossForm: 'series', whClamp: false, assign: 'pred-iou', bboxLoss: 'iou', objTarget: '1', ignoreThresh: null,
  });
  assert.equal(lossOptionsOf({ ...BASE, lossForm: 'series', bboxLoss: 'iou' }).whClamp, undefined); // the loss's default: on with 'series'
  // an older checkpoint's options have no lossForm: the loss's default applies
  const { lossForm: _, ...old } = BASE;
  assert.equal(lossOptionsOf(old as TrainOptions).lossForm, undefined);
});

test('a loss option combination the loss refuses fails in resolveTrainOptions', () => {
  assert.throws(() => resolveTrainOptions({ cfg: 'x.cfg', data: 'shapes:4', lossForm: 'series' }), /lossForm 'series' takes bboxLoss 'mse' or 'iou'/);
  assert.throws(() => resolveTrainOptions({ cfg: 'x.cfg', data: 'shapes:4', lossForm: 'series', bboxLoss: 'iou', ignoreThresh: 0.7 }), /no ignoreThresh/);
  assert.equal(resolveTrainOptions({ cfg: 'x.cfg', data: 'shapes:4', lossForm: 'series', bboxLoss: 'mse' }).lossForm, 'series');
});
