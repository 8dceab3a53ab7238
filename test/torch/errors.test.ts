// Bad calls throw JavaScript errors carrying libtorch's message or ours, and the process lives on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';

test('shape, dtype and range errors from libtorch become Error objects', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const x = torch.randn([1, 3, 8, 8]);
    assert.throws(() => torch.F.conv2d(x, torch.randn([4, 5, 3, 3])), /expected input\[1, 3, 8, 8\] to have 5 channels/);
    assert.throws(() => x.add(torch.ones([2])), /must match the size/);
    assert.throws(() => x.reshape([7]), /invalid for input of size 192/);
    assert.throws(() => torch.zeros([3]).select(0, 5), /out of range/);
    assert.throws(() => torch.ones([2]).matmul(torch.ones([3])), /inconsistent|size|shape/i);
    assert.throws(() => torch.zeros([2]).indexSelect(0, torch.tensor([0])), /Expected dtype int32 or int64 for index/);
    assert.throws(() => torch.ones([2], { dtype: 'int64' }).requiresGrad_(), /floating point/);
    assert.throws(() => torch.tensor(new Float32Array(3), { shape: [2, 2] }), /needs 16 bytes, the array has 12/);
    assert.throws(() => torch.op('aten::does_not_exist'), /no operator/);
    assert.throws(() => torch.op('aten::add.Tensor', x, 'text'), /add\(other\): expected a tensor/);
    assert.throws(() => torch.F.binaryCrossEntropyWithLogits(x, x, { reduction: 'avg' as 'mean' }), /unknown reduction/);
  });
  assert.equal(torch.memory().tensors, start);
  assert.equal(torch.ones([1]).add(1).item(), 2); // still alive and working
});

test('missing, truncated and foreign tensor files give errors naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-ts-'));
  const start = torch.memory().tensors;
  const good = join(dir, 'good.safetensors');
  torch.tidy(() => torch.io.saveTensorFile(good, { a: torch.randn([10, 10]), b: torch.arange(5) }, { note: 'x' }));
  const bytes = torch.io.encodeTensorFile(torch.tidy(() => new Map()), {});
  assert.ok(bytes.length >= 8);
  assert.throws(() => torch.io.loadTensorFile(join(dir, 'missing.safetensors')), /missing\.safetensors: cannot read/);
  const full = torch.io.loadTensorFile(good);
  assert.deepEqual([...full.tensors.keys()], ['a', 'b']);
  assert.equal(full.metadata.note, 'x');
  torch.dispose(full.tensors);
  const raw = torch.tidy(() => torch.io.encodeTensorFile({ a: torch.randn([10, 10]) }));
  writeFileSync(join(dir, 'short.safetensors'), raw.subarray(0, raw.length - 4));
  assert.throws(() => torch.io.loadTensorFile(join(dir, 'short.safetensors')), /short\.safetensors: .*truncated/);
  writeFileSync(join(dir, 'tiny.safetensors'), raw.subarray(0, 5));
  assert.throws(() => torch.io.loadTensorFile(join(dir, 'tiny.safetensors')), /tiny\.safetensors: .*only 5 bytes/);
  writeFileSync(join(dir, 'trailing.safetensors'), Buffer.concat([raw, Buffer.from([1, 2, 3])]));
  assert.throws(() => torch.io.loadTensorFile(join(dir, 'trailing.safetensors')), /trailing\.safetensors: .*3 bytes after the last tensor/);
  const handMade = (header: object, dataBytes: number) => {
    const json = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([len, json, Buffer.alloc(dataBytes)]);
  };
  writeFileSync(join(dir, 'hole.safetensors'), handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, 12));
  assert.throws(() => torch.io.loadTensorFile(join(dir, 'hole.safetensors')), /hole\.safetensors: .*bytes 4\.\.8 of the data belong to no tensor/);
  writeFileSync(join(dir, 'overlap.safetensors'), handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8));
  assert.throws(() => torch.io.loadTensorFile(join(dir, 'overlap.safetensors')), /overlap\.safetensors: .*tensor 'b' \(bytes 4\.\.8\) overlaps/);
  writeFileSync(join(dir, 'foreign.safetensors'), 'this is a text file, not tensors');
  assert.throws(() => torch.io.loadTensorFile(join(dir, 'foreign.safetensors')), /foreign\.safetensors: not a valid tensor file/);
  assert.equal(torch.memory().tensors, start);
});

test('JavaScript values of the wrong kind are TypeErrors, never a crash', () => {
  const start = torch.memory().tensors;
  torch.tidy(() => {
    const x = torch.ones([2]);
    assert.throws(() => torch.zeros([Infinity]), /expected an integer/);
    assert.throws(() => torch.zeros([NaN]), /expected an integer/);
    assert.throws(() => torch.zeros([1.5]), /expected an integer, got 1.5/);
    assert.throws(() => torch.zeros([-1]), /negative|-1/);
    assert.throws(() => torch.op('aten::add.Tensor', x, x, 'a'), /expected a number/);
    assert.throws(() => torch.op('aten::sum.dim_IntList', x, 'dims'), /expected an array/);
    assert.throws(() => torch.op('aten::add.Tensor', x, x, 1, 2), /at most 3 arguments/);
    assert.throws(() => torch.op('aten::add.Tensor', x), /missing required argument/);
    assert.throws(() => torch.op('aten::to.dtype_layout', x, null, null, 'gpu'), /device/i);
    assert.throws(() => torch.zeros([1 << 30, 1 << 30, 1 << 10]), /memory|overflow|allocate|size/i);
  });
  assert.equal(torch.memory().tensors, start);
});
