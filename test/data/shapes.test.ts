import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderShapes, shapeLabels, shapesDataset, shapeObjects } from '../../src/data/shapes.js';
import { openDataset } from '../../src/data/open.js';

test('Shapes is deterministic per seed and differs across seeds', () => {
  assert.deepEqual(renderShapes(1, 4, 64, 48).data, renderShapes(1, 4, 64, 48).data);
  assert.deepEqual(shapeLabels(1, 4, 64, 48), shapeLabels(1, 4, 64, 48));
  assert.notDeepEqual(renderShapes(2, 4, 64, 48).data, renderShapes(1, 4, 64, 48).data);
  const a = shapesDataset({ count: 5, seed: 3, width: 64 });
  const b = shapesDataset({ count: 5, seed: 3, width: 64 });
  assert.deepEqual(a.samples.map((s) => Array.from(s.labels)), b.samples.map((s) => Array.from(s.labels)));
  assert.deepEqual(a.names, ['circle', 'square', 'triangle']);
});

test('Shapes labels are the exact drawn geometry', () => {
  // One object per image: the bright pixels' bounding box is the label (the background stays darker).
  for (let index = 0; index < 20; index++) {
    const W = 80, H = 64;
    const params = { minObjects: 1, maxObjects: 1, minSize: 0.2, maxSize: 0.5 };
    const img = renderShapes(7, index, W, H, params);
    const [o] = shapeObjects(7, index, W, H, params);
    let x1 = W, y1 = H, x2 = -1, y2 = -1;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const p = (y * W + x) * 3;
      if (Math.max(img.data[p], img.data[p + 1], img.data[p + 2]) > 150) { x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x + 1); y2 = Math.max(y2, y + 1); }
    }
    // Anti-aliased curved edges may leave the outermost pixel row dim: within 1 px, never outside.
    const [bx1, by1, bx2, by2] = o.box;
    assert.ok(x1 >= bx1 && y1 >= by1 && x2 <= bx2 && y2 <= by2, `index ${index}: drawn ${[x1, y1, x2, y2]} outside label ${o.box}`);
    assert.ok(x1 - bx1 <= 1 && y1 - by1 <= 1 && bx2 - x2 <= 1 && (o.cls === 2 ? true : by2 - y2 <= 1), `index ${index} cls ${o.cls}: drawn ${[x1, y1, x2, y2]} vs label ${o.box}`);
    if (o.cls === 2) assert.ok(by2 - y2 <= 1, 'triangle base on the bottom edge');
    const l = shapeLabels(7, index, W, H, params);
    assert.deepEqual(Array.from(l), [o.cls, (bx1 + bx2) / 2 / W, (by1 + by2) / 2 / H, (bx2 - bx1) / W, (by2 - by1) / H].map(Math.fround));
  }
});

test('Shapes images hold several objects, some overlapping; "shapes:N" opens it', async () => {
  const ds = await openDataset('shapes:40', { size: 128 });
  assert.equal(ds.samples.length, 40);
  const counts = ds.samples.map((s) => s.labels.length / 5);
  assert.ok(Math.max(...counts) >= 3 && Math.min(...counts) >= 1);
  let overlapping = 0;
  for (const s of ds.samples) {
    const l = s.labels;
    for (let i = 0; i < l.length; i += 5) for (let j = i + 5; j < l.length; j += 5)
      if (Math.abs(l[i + 1] - l[j + 1]) < (l[i + 3] + l[j + 3]) / 2 && Math.abs(l[i + 2] - l[j + 2]) < (l[i + 4] + l[j + 4]) / 2) overlapping++;
  }
  assert.ok(overlapping > 0);
  assert.equal(ds.samples[0].width, 128);
});
