// parseYoloMetadata reads back what src/export/metadata.ts writes (for each
// output kind), and names the file and the key of anything missing or
// malformed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Darknet } from '../../src/darknet/index.js';
import { buildOnnxModel } from '../../src/export/index.js';
import { parseYoloMetadata } from '../../src/onnx/yolo_metadata.js';
import { SHAPES } from '../serve/deploy_files.js';

function props(output: 'raw' | 'decoded' | 'nms'): Record<string, string> {
  const model = Darknet.fromFile(SHAPES.cfg);
  const m = buildOnnxModel(model, { output, size: [320, 192], names: ['circle', 'square', 'triangle'], resize: 'stretch', nms: { conf: 0.3, maxDet: 9 } });
  model.dispose();
  return Object.fromEntries(m.metadata_props.map((p) => [p.key, p.value]));
}

test('parseYoloMetadata reads the export metadata of each output kind', () => {
  const raw = parseYoloMetadata(props('raw'), 'a.onnx');
  assert.deepEqual({ ...raw, heads: undefined }, { file: 'a.onnx', names: ['circle', 'square', 'triangle'], inputWidth: 320, inputHeight: 192, resize: 'stretch', output: 'raw', heads: undefined });
  // shapes-tiny: two heads at strides 32 and 16, 3 anchors each, 8 values per prediction
  assert.deepEqual(raw.heads.map((h) => [h.shape, h.stride, h.anchors.length, h.scaleXY]), [[[3, 6, 10, 8], [32, 32], 3, 1], [[3, 12, 20, 8], [16, 16], 3, 1]]);
  assert.equal(parseYoloMetadata(props('decoded'), 'b.onnx').output, 'decoded');
  assert.deepEqual(parseYoloMetadata(props('nms'), 'c.onnx').nms, { conf: 0.3, iou: 0.45, maxDet: 9, agnostic: false, multiLabel: false });
});

test('parseYoloMetadata names the file and the key of a missing or malformed entry', () => {
  const base = props('nms');
  const cases: [Record<string, string | undefined>, RegExp][] = [
    [{ names: undefined }, /m\.onnx: metadata_props 'names' is missing \(is this a model written by `yolov3 export`\?\)/],
    [{ names: '["a", "b"' }, /'names' is not JSON/],
    [{ names: '["a", 2, "c"]' }, /'names' must be a non-empty list of strings/],
    [{ names: '["a", "b"]' }, /'heads' entry 0 has 8 values per prediction, but 2 names need 7/],
    [{ input_height: '-3' }, /'input_height' must be a positive integer, got '-3'/],
    [{ resize: 'crop' }, /'resize' must be one of letterbox, stretch, got 'crop'/],
    [{ output: 'boxes' }, /'output' must be one of raw, decoded, nms, got 'boxes'/],
    [{ heads: '[]' }, /'heads' must be a non-empty list/],
    [{ heads: '[{"shape": [3, 6, 10, 8]}]' }, /'heads' entry 0 is not/],
    [{ nms: '{"conf": 0.25}' }, /'nms' must be \{ conf, iou, max_det, agnostic, multi_label \}/],
  ];
  for (const [edit, message] of cases) {
    const meta = { ...base, ...edit };
    for (const [k, v] of Object.entries(edit)) if (v === undefined) delete meta[k];
    assert.throws(() => parseYoloMetadata(meta as Record<string, string>, 'm.onnx'), message, JSON.stringify(edit));
  }
});
