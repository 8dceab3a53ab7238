// Long runs in one process (issue 17, item 3): 1,000 training iterations
// of the shapes model, and detection over 1,000 images, each sampled every
// 50 iterations/images: the live-tensor count and the open file
// descriptors (/proc/self/fd) stay constant, and the resident set size
// after warm-up (the first fifth) stays within ±5% of its median. Minutes
// on a small machine: run with YOLO_LONG_RUN=1 (.ci/run does);
// YOLO_LONG_RUN_ITERS=N shortens both to N (a multiple of 50) for a look.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import * as torch from '../../src/torch/index.js';
import { train } from '../../src/train/trainer.js';
import { Detector } from '../../src/detect/index.js';
import { SHAPES_CFG, quiet, tempProject } from './train_setup.js';

const ENABLED = process.env.YOLO_LONG_RUN === '1';
const skip = ENABLED ? false : 'set YOLO_LONG_RUN=1 (minutes; .ci/run does)';
const EVERY = 50;
const ITERS = Number(process.env.YOLO_LONG_RUN_ITERS ?? 1000);
const WARMUP = ITERS / 5;

interface Sample { at: number; tensors: number; fds: number; rssMb: number }

function sample(at: number): Sample {
  return { at, tensors: torch.memory().tensors, fds: readdirSync('/proc/self/fd').length, rssMb: process.memoryUsage().rss / 2 ** 20 };
}

/** Prints the series and checks it: tensors and fds constant after warm-up, RSS within ±5% of its median there. */
function check(what: string, samples: Sample[]): void {
  console.log(`${what}: at, tensors, fds, RSS MB\n${samples.map((s) => `${s.at} ${s.tensors} ${s.fds} ${s.rssMb.toFixed(1)}`).join('\n')}`);
  const after = samples.filter((s) => s.at > WARMUP);
  assert.ok(after.length >= (ITERS - WARMUP) / EVERY - 1, `${after.length} samples after warm-up`);
  assert.deepEqual(new Set(after.map((s) => s.tensors)).size, 1, `${what}: live tensors change: ${after.map((s) => s.tensors).join(' ')}`);
  assert.deepEqual(new Set(after.map((s) => s.fds)).size, 1, `${what}: open descriptors change: ${after.map((s) => s.fds).join(' ')}`);
  const rss = after.map((s) => s.rssMb).sort((a, b) => a - b);
  const median = rss[rss.length >> 1];
  const spread = Math.max(median - rss[0], rss[rss.length - 1] - median) / median;
  console.log(`${what}: RSS after warm-up ${rss[0].toFixed(1)}..${rss[rss.length - 1].toFixed(1)} MB, median ${median.toFixed(1)}, ±${(spread * 100).toFixed(1)}%`);
  assert.ok(spread <= 0.05, `${what}: RSS strays ${(spread * 100).toFixed(1)}% from its median ${median.toFixed(1)} MB`);
}

test(`${ITERS} training iterations: live tensors, descriptors and RSS stay flat`, { skip, timeout: 3_600_000 }, async (t) => {
  const project = tempProject(t, 'yolo-long-');
  const start = torch.memory().tensors;
  const samples: Sample[] = [];
  // 50 batches of 4 per epoch, 20 epochs: a checkpoint, results row and event flush every 50 iterations, evaluation at the end
  const r = await train(
    { cfg: SHAPES_CFG, data: 'shapes:200', imgSize: 64, batchSize: 4, epochs: ITERS / 50, workers: 0, seed: 1, evalInterval: 100, maxValSamples: 8, project, name: 'long' },
    { ...quiet, onIteration: (i) => void (i.iteration % EVERY === 0 && samples.push(sample(i.iteration))) },
  );
  assert.equal(r.iteration, ITERS);
  check('training', samples);
  assert.equal(torch.memory().tensors, start);
});

test(`detection over ${ITERS} images: live tensors, descriptors and RSS stay flat`, { skip, timeout: 3_600_000 }, async () => {
  const start = torch.memory().tensors;
  const detector = Detector.fromDarknet({ cfg: SHAPES_CFG, imgSize: 128 });
  // ten different images (sizes, colours), read from encoded bytes each time as files would be
  const images = await Promise.all(Array.from({ length: 10 }, (_, k) =>
    sharp({ create: { width: 96 + 16 * k, height: 160 - 8 * k, channels: 3, background: { r: 20 * k, g: 200 - 15 * k, b: 90 } } }).png().toBuffer()));
  const samples: Sample[] = [];
  try {
    for (let n = 1; n <= ITERS; n++) {
      await detector.detect(images[n % images.length]);
      if (n % EVERY === 0) samples.push(sample(n));
    }
  } finally {
    detector.dispose();
  }
  check('detection', samples);
  assert.equal(torch.memory().tensors, start);
});
