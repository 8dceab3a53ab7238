import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { DataLoader, type LoaderOptions } from '../../src/data/loader.js';
import { shapesDataset } from '../../src/data/shapes.js';
import { NO_AUGMENT, FULL_AUGMENT } from '../../src/data/augment.js';
import { readVoc } from '../../src/data/voc.js';
import { sharedPath } from '../support/references.js';

const ds = shapesDataset({ count: 10, seed: 1, width: 64 });

async function run(options: LoaderOptions, epoch = 0) {
  const loader = new DataLoader(ds, options);
  const out: { size: number; indices: number[]; images: Float32Array; labels: Float32Array }[] = [];
  try {
    for await (const b of loader.epoch(epoch)) {
      out.push({ size: b.size, indices: b.indices, images: new Float32Array(b.images.toArray()), labels: new Float32Array(b.labels.toArray()) });
      b.dispose();
    }
  } finally {
    await loader.close();
  }
  return { out, loader };
}

test('seeded shuffle, dropLast, maxSamples', async () => {
  const base = { batchSize: 4, imgSize: 64, augment: NO_AUGMENT };
  const a = new DataLoader(ds, { ...base, seed: 5 });
  assert.deepEqual(a.order(0), new DataLoader(ds, { ...base, seed: 5 }).order(0));
  assert.notDeepEqual(a.order(0), a.order(1), 'a new order each epoch');
  assert.deepEqual([...a.order(0)].sort((x, y) => x - y), Array.from({ length: 10 }, (_, i) => i));
  assert.deepEqual(new DataLoader(ds, { ...base, shuffle: false }).order(0), Array.from({ length: 10 }, (_, i) => i));
  assert.equal(a.length, 3);
  const dropped = await run({ ...base, dropLast: true });
  assert.deepEqual(dropped.out.map((b) => b.indices.length), [4, 4]);
  const kept = await run({ ...base });
  assert.deepEqual(kept.out.map((b) => b.indices.length), [4, 4, 2]);
  const capped = await run({ ...base, maxSamples: 6, shuffle: false });
  assert.deepEqual(capped.out.flatMap((b) => b.indices), [0, 1, 2, 3, 4, 5]);
});

test('augment off: batches are the letterboxed images with their labels', async () => {
  const { out } = await run({ batchSize: 3, imgSize: 64, shuffle: false, augment: NO_AUGMENT });
  assert.equal(out[0].images.length, 3 * 3 * 64 * 64);
  const rows = out[0].labels;
  const expected = ds.samples.slice(0, 3).flatMap((s, b) => Array.from({ length: s.labels.length / 5 }, (_, k) => [b, ...Array.from(s.labels.slice(k * 5 + 1, k * 5 + 5)), s.labels[k * 5]]));
  assert.deepEqual(Array.from(rows), expected.flat());
});

test('worker threads give the same batches as the main thread; no tensor leak across epochs', async () => {
  const before = torch.memory().tensors;
  const options = { batchSize: 4, imgSize: 64, seed: 11, augment: FULL_AUGMENT, multiScale: { min: 32, max: 96, every: 1 } };
  const local = await run({ ...options, workers: 0 });
  const threaded = await run({ ...options, workers: 2, prefetch: 1 });
  assert.deepEqual(threaded.out, local.out);
  assert.ok(new Set(local.out.map((b) => b.size)).size >= 1);
  for (const b of local.out) assert.equal(b.images.length, b.indices.length * 3 * b.size * b.size);
  // RAM cache: same batches; two epochs through one loader, then the tensor count is back where it started.
  const loader = new DataLoader(ds, { ...options, workers: 1, cache: true });
  for (let e = 0; e < 2; e++) {
    const got = [];
    for await (const b of loader.epoch(e)) {
      got.push({ size: b.size, indices: b.indices, images: new Float32Array(b.images.toArray()), labels: new Float32Array(b.labels.toArray()) });
      b.dispose();
    }
    if (e === 0) assert.deepEqual(got, local.out, 'RAM cache changes nothing but speed');
    else assert.notDeepEqual(got.map((b) => b.indices), local.out.map((b) => b.indices), 'a new order in epoch 1');
  }
  await loader.close();
  assert.equal(torch.memory().tensors, before);
});

test('loader over the VOC subset with truncated JPEGs kept: the run does not stop', async (t) => {
  const root = sharedPath(t, 'data/voc/VOCdevkit');
  if (!root) return;
  const voc = await readVoc(root, { allowTruncated: true });
  const loader = new DataLoader(voc, { batchSize: 5, imgSize: 64, workers: 0, augment: NO_AUGMENT, allowTruncated: true });
  let n = 0;
  for await (const b of loader.epoch(0)) { n += b.indices.length; b.dispose(); }
  assert.equal(n, 10);
  // Without allowTruncated the decode fails: reported, skipped, the epoch completes.
  const strictDecode = new DataLoader(voc, { batchSize: 5, imgSize: 64, workers: 0, augment: NO_AUGMENT });
  n = 0;
  for await (const b of strictDecode.epoch(0)) { n += b.indices.length; b.dispose(); }
  assert.equal(n, 8);
  assert.equal(strictDecode.problems.length, 2);
  const messages = strictDecode.problems.map((p) => p.message).sort(); // workers finish in any order
  assert.match(messages[0], /cannot decode .*VOC2007\/JPEGImages\/000001\.jpg \(corrupt or truncated image\): .*; skipped$/);
  assert.match(messages[1], /cannot decode .*VOC2012\/JPEGImages\/2007_000027\.jpg \(corrupt or truncated image\): .*; skipped$/);
});

test('a worker thread that dies stops the epoch with an error instead of hanging', async () => {
  const loader = new DataLoader(ds, { batchSize: 2, imgSize: 64, workers: 1, augment: NO_AUGMENT });
  const workers = (loader as unknown as { workers: { terminate(): Promise<number> }[] }).workers;
  await assert.rejects(async () => {
    for await (const b of loader.epoch(0)) {
      b.dispose();
      await workers[0].terminate();
    }
  }, /loader worker 0 exited/);
  await loader.close();
});
