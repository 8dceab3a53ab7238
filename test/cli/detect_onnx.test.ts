// `yolov3 detect --model model.onnx` end to end, with the native addon path
// naming a missing file (so libtorch cannot be what runs): its JSON equals
// `yolov3 detect --cfg`'s (same classes, boxes within 1 px, scores within
// 1e-3) for yolov3-tiny's raised-bias random weights on dog.jpg and the
// trained fixture exported with raw heads; and each error names its cause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Darknet, loadWeights } from '../../src/darknet/index.js';
import { readNames } from '../../src/detect/index.js';
import { buildOnnxModel } from '../../src/export/index.js';
import { encodeModel } from '../../src/onnx/onnx_proto.js';
import { sharedPath } from '../support/references.js';
import { assertSameDetections, fmtWorst } from '../detect/onnx_support.js';
import { SHAPES, busyTinyWeights, detectJson, ok, shapesFiles, tmp, yolov3 } from '../serve/deploy_files.js';

test('detect --model equals detect --cfg without libtorch: yolov3-tiny on dog.jpg, the trained fixture (raw heads) on Shapes', async (t) => {
  const cfg = sharedPath(t, 'data/darknet/cfg/yolov3-tiny.cfg');
  const dog = sharedPath(t, 'data/darknet/images/dog.jpg');
  const coco = sharedPath(t, 'data/darknet/names/coco.names');
  if (!cfg || !dog || !coco) return;
  const dir = tmp();
  const noTorch = { YOLO_NATIVE_PATH: join(dir, 'no-such-addon.node') };
  const weights = busyTinyWeights(cfg, dir);
  ok(yolov3(['export', '--cfg', cfg, '--weights', weights, '--names', coco, '--out', join(dir, 'tiny.onnx')]), 'export tiny');
  ok(yolov3(['export', '--cfg', SHAPES.cfg, '--weights', SHAPES.weights, '--names', SHAPES.names, '--head', 'raw', '--out', join(dir, 'shapes.onnx')]), 'export shapes');
  const [shapes] = await shapesFiles(dir);
  const thresholds = ['--conf', '0.66', '--max-det', '1000'];
  for (const [label, torchArgs, model, image, conf] of [
    ['yolov3-tiny on dog.jpg', ['--cfg', cfg, '--weights', weights, '--names', coco, ...thresholds], ['--model', join(dir, 'tiny.onnx'), ...thresholds], dog, 0.66],
    ['the fixture on shapes-0.png', ['--cfg', SHAPES.cfg, '--weights', SHAPES.weights, '--names', SHAPES.names], ['--model', join(dir, 'shapes.onnx')], shapes, 0.25],
  ] as const) {
    const reference = detectJson([...torchArgs], image, dir);
    const theirs = detectJson([...model], image, dir, noTorch);
    assert.deepEqual([theirs.width, theirs.height], [reference.width, reference.height]);
    const worst = assertSameDetections(reference.detections, theirs.detections, conf, label);
    assert.ok(worst.pairs >= 3, `${label}: detections to compare`);
    t.diagnostic(`${label}: ${fmtWorst(worst)}`);
  }
  // the darknet-style lines and a drawn image, as with --cfg
  const r = ok(yolov3(['detect', '--model', join(dir, 'shapes.onnx'), '--source', shapes, '--out', join(dir, 'drawn')], noTorch), 'detect --out');
  assert.match(r.stdout, /shapes-0\.png: Predicted in [\d.]+ ms\.\n(circle|square|triangle): \d+%\t\(/);
  assert.ok(existsSync(join(dir, 'drawn', 'shapes-0.jpg')));
});

/** The fixture's export as a ModelProto, to edit before encoding. */
function fixtureProto(nms = false) {
  const model = Darknet.fromFile(SHAPES.cfg);
  loadWeights(model, SHAPES.weights);
  const proto = buildOnnxModel(model, { names: readNames(SHAPES.names), output: nms ? 'nms' : 'decoded' });
  model.dispose();
  return proto;
}

test('detect --model errors: options that do not apply, a non-ONNX file, missing or bad metadata, in-graph NMS settings, names', async (t) => {
  const dir = tmp();
  const [image] = await shapesFiles(dir);
  const write = (name: string, edit: (m: ReturnType<typeof fixtureProto>) => void, nms = false) => {
    const m = fixtureProto(nms);
    edit(m);
    writeFileSync(join(dir, name), encodeModel(m));
    return join(dir, name);
  };
  const good = write('good.onnx', () => {});
  const nms = write('nms.onnx', () => {}, true);
  const noMeta = write('plain.onnx', (m) => (m.metadata_props = []));
  const badWidth = write('bad.onnx', (m) => (m.metadata_props.find((p) => p.key === 'input_width')!.value = 'abc'));
  writeFileSync(join(dir, 'two.names'), 'a\nb\n');
  const cases: [string[], number, RegExp][] = [
    [['--model', good, '--cfg', SHAPES.cfg], 2, /--cfg does not go with --model/],
    [['--model', good, '--save-raw', dir], 2, /--save-raw does not go with --model .*--head raw/],
    [['--model', good, '--device', 'cuda'], 2, /--model runs in onnxruntime on the CPU/],
    [[], 2, /--cfg \(or --model\) is required/],
    [['--model', image], 1, /shapes-0\.png: not an ONNX model/],
    [['--model', join(dir, 'absent.onnx')], 1, /absent\.onnx: cannot read: no such file/],
    [['--model', noMeta], 1, /plain\.onnx: metadata_props 'names' is missing \(is this a model written by `yolov3 export`\?\)/],
    [['--model', badWidth], 1, /bad\.onnx: metadata_props 'input_width' must be a positive integer, got 'abc'/],
    [['--model', nms, '--iou', '0.3'], 1, /nms\.onnx: the model's in-graph NMS was exported with iou 0\.45; iou 0\.3 needs a model exported without --nms/],
    [['--model', nms, '--conf', '0.1'], 1, /nms\.onnx: the model's in-graph NMS drops scores <= 0\.25/],
    [['--model', good, '--names', join(dir, 'two.names')], 1, /two\.names has 2 class names, but .*good\.onnx has 3 classes/],
  ];
  for (const [args, status, message] of cases) {
    const r = yolov3(['detect', ...args, '--source', image]);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  t.diagnostic(`${cases.length} error cases`);
});
