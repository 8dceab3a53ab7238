import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Darknet, WeightsError, loadWeights, loadWeightsBytes, saveWeights, weightsBytes, weightsFileBytes, saveCheckpoint, loadCheckpoint } from '../../src/darknet/index.js';
import { sharedPath } from '../support/references.js';
import { tmpDir } from './parity_support.js';

const TINY = '[net]\nwidth=32\nheight=32\nchannels=3\n[convolutional]\nbatch_normalize=1\nfilters=4\nsize=3\npad=1\nactivation=leaky\n[convolutional]\nfilters=14\nsize=1\ngroups=2\nactivation=linear\n[yolo]\nmask=0,1\nanchors=4,5, 8,9\nclasses=2\n';
// conv0: 4 * (beta, gamma, mean, var) + 4*3*3*3 kernels = 124; conv1: 14 biases + 14*2*1*1 kernels = 42
const TINY_VALUES = 124 + 42;

/** A valid file: version 0.2.0 header, seen, then `n` distinct finite floats. */
function fileBytes(n: number, header = [0, 2, 0], seen = 123456789n): Buffer {
  const long = header[0] * 10 + header[1] >= 2;
  const b = Buffer.alloc((long ? 20 : 16) + 4 * n);
  header.forEach((v, i) => b.writeInt32LE(v, 4 * i));
  if (long) b.writeBigInt64LE(seen, 12);
  else b.writeInt32LE(Number(seen), 12);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (((i * 2654435761) % 1000003) - 500001) / 65536; // distinct, finite, cheap
  Buffer.from(values.buffer).copy(b, long ? 20 : 16);
  return b;
}

function withModel<T>(text: string, fn: (m: Darknet) => T): T {
  const start = torch.memory().tensors;
  const m = Darknet.fromText(text, { file: 'tiny.cfg' });
  try {
    return fn(m);
  } finally {
    m.dispose();
    assert.equal(torch.memory().tensors, start);
  }
}

test('layout: batch-norm conv is beta, gamma, mean, var, kernels; plain conv is bias, kernels', () => {
  withModel(TINY, (m) => {
    const bytes = fileBytes(TINY_VALUES);
    const header = loadWeightsBytes(m, bytes);
    assert.deepEqual(header, { major: 0, minor: 2, revision: 0, seen: 123456789 });
    const v = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 20, bytes.byteOffset + bytes.byteLength));
    const b0 = m.blocks[0]!;
    const b1 = m.blocks[1]!;
    assert.deepEqual(b0.bn!.bias.toArray(), [...v.subarray(0, 4)]);
    assert.deepEqual(b0.bn!.weight.toArray(), [...v.subarray(4, 8)]);
    assert.deepEqual(b0.bn!.runningMean.toArray(), [...v.subarray(8, 12)]);
    assert.deepEqual(b0.bn!.runningVar.toArray(), [...v.subarray(12, 16)]);
    assert.deepEqual(b0.conv.weight.toArray(), [...v.subarray(16, 124)]);
    assert.deepEqual(b1.conv.bias!.toArray(), [...v.subarray(124, 138)]);
    assert.deepEqual(b1.conv.weight.shape, [14, 2, 1, 1]);
    assert.deepEqual(b1.conv.weight.toArray(), [...v.subarray(138, 166)]);
    assert.ok(weightsBytes(m).equals(bytes), 'saved bytes equal the loaded ones');
  });
});

test('version 0.1 header (int32 seen) round-trips byte for byte', () => {
  withModel(TINY, (m) => {
    const bytes = fileBytes(TINY_VALUES, [0, 1, 5], 77n);
    assert.equal(bytes.length, 16 + 4 * TINY_VALUES);
    assert.deepEqual(loadWeightsBytes(m, bytes), { major: 0, minor: 1, revision: 5, seen: 77 });
    assert.ok(weightsBytes(m).equals(bytes));
  });
});

test('bytes at an offset that is not 4-byte aligned load the same values as aligned ones', () => {
  withModel(TINY, (a) => withModel(TINY, (b) => {
    const bytes = fileBytes(TINY_VALUES);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    loadWeightsBytes(a, bytes);
    loadWeightsBytes(b, shifted.subarray(1));
    assert.ok(weightsBytes(b).equals(bytes));
    assert.deepEqual(b.blocks[1]!.conv.weight.toArray(), a.blocks[1]!.conv.weight.toArray());
  }));
});

test('size and header errors say what was expected and found', () => {
  withModel(TINY, (m) => {
    const want = 20 + 4 * TINY_VALUES;
    const bad = (bytes: Uint8Array, re: RegExp) => assert.throws(() => loadWeightsBytes(m, bytes, { source: 'm.weights' }), (e: unknown) => e instanceof WeightsError && re.test(e.message));
    bad(fileBytes(TINY_VALUES - 1), new RegExp(`m\\.weights: file too short for tiny\\.cfg: expected ${want} bytes, found ${want - 4}`));
    bad(fileBytes(TINY_VALUES + 3), new RegExp(`file too long for tiny\\.cfg: expected ${want} bytes, found ${want + 12}`));
    bad(Buffer.from('PK\x03\x04 this is a zip, not darknet weights'), /bad header: major version \d+ .* not a darknet \.weights file/);
    bad(Buffer.alloc(10), /bad header: 10 bytes is shorter than a darknet \.weights header/);
    const negative = fileBytes(TINY_VALUES);
    negative.writeInt32LE(-1, 4);
    bad(negative, /bad header: minor version -1/);
    // a cutoff allows a longer file, never a shorter one
    assert.doesNotThrow(() => loadWeightsBytes(m, fileBytes(TINY_VALUES + 3), { cutoff: 2 }));
    assert.throws(() => loadWeightsBytes(m, fileBytes(100), { cutoff: 2 }), /too short .* up to layer 2: expected 684 bytes, found 420/);
    assert.throws(() => loadWeightsBytes(m, fileBytes(10), { cutoff: 9 }), /cutoff 9 outside 0\.\.3/);
  });
});

test('cutoff: save the first layers (darknet53.conv.74 style), load them into a fresh model', () => {
  const dir = tmpDir();
  try {
    withModel(TINY, (a) => withModel(TINY, (b) => {
      loadWeightsBytes(a, fileBytes(TINY_VALUES));
      const path = join(dir, 'backbone.conv.1');
      saveWeights(a, path, { cutoff: 1 });
      assert.equal(readFileSync(path).length, 20 + 4 * 124);
      const before = b.blocks[1]!.conv.weight.toArray();
      loadWeights(b, path, { cutoff: 1 });
      assert.deepEqual(b.blocks[0]!.conv.weight.toArray(), a.blocks[0]!.conv.weight.toArray());
      assert.deepEqual(b.blocks[0]!.bn!.runningVar.toArray(), a.blocks[0]!.bn!.runningVar.toArray());
      assert.deepEqual(b.blocks[1]!.conv.weight.toArray(), before, 'layers past the cutoff are untouched');
      assert.throws(() => loadWeights(b, path), /file too short for tiny\.cfg: expected 684 bytes, found 516/);
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoint: state dict file restores weights, running statistics and the header', () => {
  const dir = tmpDir();
  try {
    withModel(TINY, (a) => withModel(TINY, (b) => {
      const bytes = fileBytes(TINY_VALUES, [0, 2, 3], 42n);
      loadWeightsBytes(a, bytes);
      saveCheckpoint(a, join(dir, 'm.ckpt'));
      loadCheckpoint(b, join(dir, 'm.ckpt'));
      assert.ok(weightsBytes(b).equals(bytes));
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every stock cfg: random weights load and save back byte-identical', (t) => {
  const first = sharedPath(t, 'data/darknet/cfg/yolov3.cfg');
  if (!first) return;
  const dir = dirname(first);
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cfg')).sort()) {
    withModel(readFileSync(join(dir, f), 'utf8'), (m) => {
      const bytes = fileBytes((weightsFileBytes(m.cfg) - 20) / 4, [0, 2, 0], BigInt(f.length) * 1000n);
      loadWeightsBytes(m, bytes); // in memory: the file path is covered above, and 250 MB files are slow to sync
      assert.ok(weightsBytes(m).equals(bytes), f);
    });
  }
});
