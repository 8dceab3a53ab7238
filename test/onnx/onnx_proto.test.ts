// readModelHeader: an .onnx file's ir_version, opsets, producer and
// metadata_props as python3-onnx reads them (without decoding the graph),
// and an Error naming the file for bytes that are not an ONNX model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Darknet, loadWeights } from '../../src/darknet/index.js';
import { readNames } from '../../src/detect/index.js';
import { exportOnnx } from '../../src/export/index.js';
import { readModelHeader } from '../../src/onnx/onnx_proto.js';
import { checkOnnx, writeModel } from '../export/onnx_support.js';
import { SHAPES } from '../serve/deploy_files.js';

test('readModelHeader reads what python3-onnx reads from an export', (t) => {
  const model = Darknet.fromFile(SHAPES.cfg);
  loadWeights(model, SHAPES.weights);
  const path = writeModel(exportOnnx(model, { names: readNames(SHAPES.names), output: 'nms', opset: 16 }));
  model.dispose();
  const header = readModelHeader(readFileSync(path), path);
  assert.equal(header.producer, 'yolov3-ts');
  assert.deepEqual(header.opsets, [{ domain: '', version: 16 }]);
  assert.equal(JSON.parse(header.metadata.names).length, 3);
  const checked = checkOnnx(t, path);
  if (!checked) return;
  assert.equal(header.irVersion, checked.irVersion);
  assert.equal(checked.opset, 16);
  assert.deepEqual(header.metadata, checked.metadata);
});

test('readModelHeader: bytes that are not an ONNX model are an error naming the file', () => {
  assert.throws(() => readModelHeader(Buffer.from('this is text, not a model'), 'notes.onnx'), /^Error: notes\.onnx: not an ONNX model/);
  assert.throws(() => readModelHeader(new Uint8Array(0), 'empty.onnx'), /empty\.onnx: not an ONNX model \(no ir_version or opset_import\)/);
  assert.throws(() => readModelHeader(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]), 'photo.onnx'), /photo\.onnx: not an ONNX model/);
});
