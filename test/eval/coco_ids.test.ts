// The ids a COCO results file names: resultIds by dataset kind and mode,
// checked against hand-written expectations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resultIds, toCocoResults, COCO_NAMES, COCO80_TO_COCO91 } from '../../src/eval/index.js';

const det = (imageId: string, category: number) => ({ imageId, category, box: [0, 0, 1, 1], score: 0.5 });

test('auto: numeric stems become integers, COCO names get 1..90, other names their index', () => {
  const coco = resultIds({ names: COCO_NAMES });
  assert.equal(coco.image('000000000139'), 139);
  assert.equal(coco.image('2007_000027'), '2007_000027');
  assert.deepEqual([0, 11, 79].map(coco.category), [1, 13, 90]);
  assert.match(coco.describe, /COCO's 1\.\.90/);
  const shapes = resultIds({ names: ['circle', 'square'] });
  assert.deepEqual([0, 1].map(shapes.category), [0, 1]);
  assert.equal(shapes.describe, 'class indices');
  assert.throws(() => shapes.category(2), /class 2 has no category id \(2 classes\)/);
});

test("auto: a COCO JSON dataset's own image and category ids win", () => {
  const ids = resultIds({ names: ['cat', 'dog'], coco: { categoryIds: [17, 18], imageIds: new Map([['img_a', 5], ['000000000009', 42]]) } });
  assert.deepEqual(toCocoResults([det('img_a', 1), det('000000000009', 0), det('000000000007', 0)], { ids }).map((r) => [r.image_id, r.category_id]), [[5, 18], [42, 17], [7, 17]]);
  assert.equal(ids.describe, "the dataset's COCO JSON ids");
  assert.throws(() => resultIds({ names: ['cat'], coco: { categoryIds: [1, 2], imageIds: new Map() } }), /2 category ids for 1 classes/);
});

test('index and coco91 override auto', () => {
  const json = { names: COCO_NAMES, coco: { categoryIds: [...COCO80_TO_COCO91], imageIds: new Map([['a', 1]]) } };
  assert.deepEqual([0, 79].map(resultIds(json, 'index').category), [0, 79]);
  assert.equal(resultIds(json, 'index').image('a'), 1); // image ids are not the mode's business
  const renamed = resultIds({ names: COCO_NAMES.map((_, i) => `c${i}`) }, 'coco91');
  assert.deepEqual([0, 1, 2, 24, 79].map(renamed.category), [1, 2, 3, 27, 90]);
  assert.deepEqual([0, 1].map(resultIds({ names: ['person', 'bike'] }, 'coco91').category), [1, 2]);
  assert.throws(() => resultIds({ names: Array.from({ length: 81 }, String) }, 'coco91'), /81 classes/);
});
