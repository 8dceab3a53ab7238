import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newImage, type RgbImage } from '../../src/data/image.js';
import { Rng } from '../../src/data/rng.js';
import { flipHorizontal } from '../../src/data/transforms/flip.js';
import { letterbox } from '../../src/data/transforms/letterbox.js';
import { unletterboxBox } from '../../src/boxes/letterbox.js';
import { applyAffine, affineMatrix, randomAffine, warpAffine, type Mat } from '../../src/data/transforms/affine.js';
import { randomHsv, adjustHsv } from '../../src/data/transforms/hsv.js';
import { mosaic4 } from '../../src/data/transforms/mosaic.js';
import { jitterCrop } from '../../src/data/transforms/jitter.js';
import { resize } from '../../src/data/transforms/resize.js';
import { renderShapes, shapeLabels } from '../../src/data/shapes.js';
import { prepareSample, FULL_AUGMENT, DARKNET_AUGMENT } from '../../src/data/augment.js';
import type { Labeled } from '../../src/data/transforms/types.js';

function shapesSample(index: number, w = 96, h = 72): Labeled {
  return { img: renderShapes(3, index, w, h), labels: shapeLabels(3, index, w, h) };
}

function assertInside(labels: Float32Array, what: string): void {
  for (let i = 0; i < labels.length; i += 5) {
    const [x, y, w, h] = [labels[i + 1], labels[i + 2], labels[i + 3], labels[i + 4]];
    assert.ok(w > 0 && h > 0, `${what}: empty box`);
    assert.ok(x - w / 2 >= -1e-6 && x + w / 2 <= 1 + 1e-6 && y - h / 2 >= -1e-6 && y + h / 2 <= 1 + 1e-6, `${what}: box ${[x, y, w, h]} leaves the image`);
  }
}

test('flip twice is the identity', () => {
  const s = shapesSample(0);
  const twice = flipHorizontal(flipHorizontal(s));
  assert.deepEqual(twice.img.data, s.img.data);
  assert.deepEqual(twice.labels, s.labels);
  const once = flipHorizontal(s);
  assert.notDeepEqual(once.img.data, s.img.data);
  assert.ok(Math.abs(once.labels[1] - (1 - s.labels[1])) < 1e-7);
});

test('letterbox boxes map back to the original pixels within 0.5 px', () => {
  for (const [w, h, size] of [[96, 72, 64], [73, 151, 128], [640, 427, 416], [50, 50, 64]]) {
    const s = { img: renderShapes(5, w, w, h), labels: shapeLabels(5, w, w, h) };
    const lb = letterbox(s, size);
    assert.equal(lb.img.width, size);
    assert.equal(lb.img.height, size);
    assertInside(lb.labels, 'letterbox');
    for (let i = 0; i < s.labels.length; i += 5) {
      const back = unletterboxBox([
        (lb.labels[i + 1] - lb.labels[i + 3] / 2) * size, (lb.labels[i + 2] - lb.labels[i + 4] / 2) * size,
        (lb.labels[i + 1] + lb.labels[i + 3] / 2) * size, (lb.labels[i + 2] + lb.labels[i + 4] / 2) * size], lb.info);
      const orig = [(s.labels[i + 1] - s.labels[i + 3] / 2) * w, (s.labels[i + 2] - s.labels[i + 4] / 2) * h,
        (s.labels[i + 1] + s.labels[i + 3] / 2) * w, (s.labels[i + 2] + s.labels[i + 4] / 2) * h];
      for (let k = 0; k < 4; k++) assert.ok(Math.abs(back[k] - orig[k]) <= 0.5, `${w}x${h}->${size}: ${back} vs ${orig}`);
    }
  }
  // auto: pad only to a multiple of the stride
  const r = letterbox(shapesSample(1, 100, 60), 128, { auto: true });
  assert.deepEqual([r.img.width, r.img.height], [128, 96]);
});

test('affine with identity parameters changes nothing', () => {
  const s = shapesSample(2);
  const m = affineMatrix(96, 72, 96, 72, { angle: 0, scale: 1, shearX: 0, shearY: 0, tx: 0.5, ty: 0.5 });
  const out = applyAffine(s, m, 96, 72);
  assert.deepEqual(out.img.data, s.img.data);
  assert.deepEqual(out.labels, s.labels);
  const r = randomAffine(s, new Rng(1), { degrees: 0, translate: 0, scale: 0, shear: 0 });
  assert.deepEqual(r.img.data, s.img.data);
  assert.deepEqual(r.labels, s.labels);
});

test('affine moves pixels and boxes together (pure translation by whole pixels)', () => {
  const img = newImage(40, 30, 0);
  for (let y = 10; y < 20; y++) for (let x = 5; x < 15; x++) img.data.set([255, 255, 255], (y * 40 + x) * 3);
  const s = { img, labels: Float32Array.from([0, 10 / 40, 15 / 30, 10 / 40, 10 / 30]) };
  const m = affineMatrix(40, 30, 40, 30, { angle: 0, scale: 1, shearX: 0, shearY: 0, tx: 0.5 + 7 / 40, ty: 0.5 + 3 / 30 });
  const out = applyAffine(s, m, 40, 30, 0);
  assert.equal(out.img.data[(13 * 40 + 12) * 3], 255);
  assert.equal(out.img.data[(12 * 40 + 12) * 3], 0);
  assert.equal(out.img.data[(13 * 40 + 11) * 3], 0);
  assert.ok(Math.abs(out.labels[1] * 40 - 17) < 1e-4 && Math.abs(out.labels[2] * 30 - 18) < 1e-4);
});

test('the separable (scale + translate) warp matches the general warp', () => {
  const s = shapesSample(6);
  const m: Mat = [1.37, 0, -9.3, 0, 0.81, 5.2];
  const tilted: Mat = [1.37, 1e-9, -9.3, 1e-9, 0.81, 5.2]; // forces the general path
  const a = warpAffine(s.img, m, 80, 70, 7), b = warpAffine(s.img, tilted, 80, 70, 7);
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
  assert.ok(worst <= 1, `max difference ${worst}`);
});

test('hsv: neutral gains change nothing; same seed, same output', () => {
  const s = shapesSample(4);
  assert.deepEqual(adjustHsv(s.img.data, 0, 1, 1), s.img.data);
  // A full-circle hue shift is (up to rounding) the identity too.
  const round = adjustHsv(s.img.data, 1, 1, 1);
  for (let i = 0; i < round.length; i++) assert.ok(Math.abs(round[i] - s.img.data[i]) <= 1);
  const a = randomHsv(s, new Rng(9), { hue: 0.1, saturation: 1.5, exposure: 1.5 });
  const b = randomHsv(s, new Rng(9), { hue: 0.1, saturation: 1.5, exposure: 1.5 });
  assert.deepEqual(a.img.data, b.img.data);
  assert.equal(a.labels, s.labels);
});

test('every transform keeps boxes inside the image', async () => {
  const rng = new Rng(42);
  const strong = { degrees: 30, translate: 0.3, scale: 0.6, shear: 10 };
  for (let i = 0; i < 12; i++) {
    const s = shapesSample(i);
    assertInside(s.labels, 'shapes');
    assertInside(flipHorizontal(s).labels, 'flip');
    assertInside(letterbox(s, 64).labels, 'letterbox');
    assertInside(randomAffine(s, rng, strong).labels, 'affine');
    assertInside(jitterCrop(s, rng, { jitter: 0.4, width: 64, height: 64 }).labels, 'jitter');
    const m = mosaic4([s, shapesSample(i + 20), shapesSample(i + 40), shapesSample(i + 60)], 64, rng);
    assertInside(m.labels, 'mosaic');
    assertInside(randomAffine(m, rng, { ...strong, outWidth: 64, outHeight: 64 }).labels, 'mosaic+affine');
  }
  const src = { count: 30, load: async (i: number) => shapesSample(i) };
  for (let i = 0; i < 6; i++) {
    for (const cfg of [FULL_AUGMENT, DARKNET_AUGMENT]) {
      const out = await prepareSample(src, i, 64, cfg, new Rng(i));
      assert.equal(out.img.width, 64);
      assertInside(out.labels, 'pipeline');
    }
  }
});

test('transforms are deterministic per seed', async () => {
  const src = { count: 30, load: async (i: number) => shapesSample(i) };
  const a = await prepareSample(src, 3, 64, FULL_AUGMENT, new Rng(7));
  const b = await prepareSample(src, 3, 64, FULL_AUGMENT, new Rng(7));
  const c = await prepareSample(src, 3, 64, FULL_AUGMENT, new Rng(8));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.img.data, c.img.data);
});

test('jitter crop with zero jitter is a plain stretch-resize', () => {
  const s = shapesSample(5);
  const j = jitterCrop(s, new Rng(1), { jitter: 0, width: 64, height: 64 });
  assert.deepEqual(j.img.data, resize(s.img, 64, 64).data);
  for (let i = 0; i < s.labels.length; i++) assert.ok(Math.abs(j.labels[i] - s.labels[i]) < 1e-6);
});

/** Four images, each one filled rectangle of its own colour; cls = image number. */
function colourTiles(): { parts: Labeled[]; colours: number[][] } {
  const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0]];
  const parts = colours.map((c, k): Labeled => {
    const w = 80 + 10 * k, h = 60 + 5 * k;
    const img: RgbImage = newImage(w, h, 0);
    const [x1, y1, x2, y2] = [10 + k * 3, 8 + k * 2, 50 + k * 4, 40 + k * 3];
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) img.data.set(c, (y * w + x) * 3);
    return { img, labels: Float32Array.from([k, (x1 + x2) / 2 / w, (y1 + y2) / 2 / h, (x2 - x1) / w, (y2 - y1) / h]) };
  });
  return { parts, colours };
}

/** Each label box is filled with its class colour inside, and (when it is the only box of its class) that colour appears nowhere else. */
function assertBoxesOnColours(out: Labeled, colours: number[][], what: string): void {
  const { width: W, height: H, data } = out.img;
  for (let i = 0; i < out.labels.length; i += 5) {
    const c = colours[out.labels[i]];
    const x1 = (out.labels[i + 1] - out.labels[i + 3] / 2) * W, x2 = (out.labels[i + 1] + out.labels[i + 3] / 2) * W;
    const y1 = (out.labels[i + 2] - out.labels[i + 4] / 2) * H, y2 = (out.labels[i + 2] + out.labels[i + 4] / 2) * H;
    // Pixels well inside the box have the object's colour (interpolation blurs one pixel at the edges).
    let inside = 0, matching = 0;
    for (let y = Math.ceil(y1 + 1); y < Math.floor(y2 - 1); y++) for (let x = Math.ceil(x1 + 1); x < Math.floor(x2 - 1); x++) {
      inside++;
      const p = (y * W + x) * 3;
      if (Math.abs(data[p] - c[0]) < 40 && Math.abs(data[p + 1] - c[1]) < 40 && Math.abs(data[p + 2] - c[2]) < 40) matching++;
    }
    if (inside) assert.ok(matching / inside > 0.95, `${what}: box ${i / 5} (cls ${out.labels[i]}): ${matching}/${inside} pixels match`);
    // And the box is tight: no pixel of that colour lies two pixels outside it.
    const otherBox = Array.from({ length: out.labels.length / 5 }, (_, k) => k * 5).some((k) => k !== i && out.labels[k] === out.labels[i]);
    if (otherBox) continue;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      if (x >= x1 - 2 && x < x2 + 2 && y >= y1 - 2 && y < y2 + 2) continue;
      const p = (y * W + x) * 3;
      assert.ok(!(data[p] === c[0] && data[p + 1] === c[1] && data[p + 2] === c[2]), `${what}: colour of cls ${out.labels[i]} outside its box at ${x},${y}`);
    }
  }
}

test('mosaic labels land on the right objects', () => {
  const { parts, colours } = colourTiles();
  const rng = new Rng(3);
  for (let trial = 0; trial < 6; trial++) {
    const m = mosaic4(parts, 64, rng);
    const out = trial % 2 ? randomAffine(m, rng, { degrees: 0, translate: 0.1, scale: 0.3, shear: 0, outWidth: 64, outHeight: 64 }) : m;
    assert.ok(out.labels.length > 0);
    assertBoxesOnColours(out, colours, `mosaic trial ${trial}`);
  }
});

test('jitter crop and flip labels land on the right objects', () => {
  const { parts, colours } = colourTiles();
  const rng = new Rng(4);
  for (let trial = 0; trial < 8; trial++) {
    const j = jitterCrop(parts[trial % 4], rng, { jitter: 0.3, width: 64, height: 48 });
    assertBoxesOnColours(trial % 2 ? flipHorizontal(j) : j, colours, `jitter trial ${trial}`);
  }
});
