// A deploy-only user needs no libtorch: in a child process whose native
// addon path names a missing file, the deploy entry (yolov3-ts/deploy)
// imports, Detector.fromOnnx detects, and the process never mapped libtorch
// or the addon (/proc/self/maps), while onnxruntime is mapped. The checks can
// fail: the main entry in the same setting fails to load, and with the addon
// in place it maps libtorch. The child's detections equal the libtorch
// Detector's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Darknet, loadWeights } from '../../src/darknet/index.js';
import { DEFAULT_SHAPES, renderShapes, writePng } from '../../src/data/index.js';
import { Detector, readNames, type DetectionResult } from '../../src/detect/index.js';
import { exportOnnx } from '../../src/export/index.js';
import { REPO_ROOT } from '../support/references.js';
import { SHAPES, tmp } from '../serve/deploy_files.js';
import { assertSameDetections, fmtWorst } from './onnx_support.js';

interface ChildReport { result?: DetectionResult; libtorch: boolean; addon: boolean; onnxruntime: boolean; error?: string }

/** Runs `body` (an ES module script with the package entry `entry` imported as api) in a fresh node; its JSON report. */
function child(entry: string, body: string, env: Record<string, string | undefined>): ChildReport {
  const script = `
import { readFileSync } from 'node:fs';
const maps = () => readFileSync('/proc/self/maps', 'utf8');
const report = (x) => console.log(JSON.stringify({ ...x, libtorch: /libtorch|libc10/.test(maps()), addon: /yolov3_native/.test(maps()), onnxruntime: /onnxruntime/.test(maps()) }));
try {
  const api = await import(${JSON.stringify(entry)});
  ${body}
} catch (e) {
  report({ error: e.message });
}`;
  // from the repository root, the package's own name resolves through package.json "exports"
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
}

test('yolov3-ts/deploy: Detector.fromOnnx detects without loading libtorch, and equals the libtorch Detector', async (t) => {
  const dir = tmp();
  const names = readNames(SHAPES.names);
  const model = Darknet.fromFile(SHAPES.cfg);
  loadWeights(model, SHAPES.weights);
  const onnx = join(dir, 'shapes.onnx');
  writeFileSync(onnx, exportOnnx(model, { names }));
  const image = join(dir, 'shapes.png');
  const pixels = renderShapes(4242, 0, 256, 256, DEFAULT_SHAPES);
  await writePng(pixels, image);
  const missing = { YOLO_NATIVE_PATH: join(dir, 'no-such-addon.node') };

  const detect = `const d = await api.Detector.fromOnnx(${JSON.stringify(onnx)}, { threads: 1 });
  const result = await d.detect(${JSON.stringify(image)});
  await d.dispose();
  report({ result });`;
  const deploy = child('yolov3-ts/deploy', detect, missing);
  assert.equal(deploy.error, undefined);
  assert.deepEqual([deploy.libtorch, deploy.addon, deploy.onnxruntime], [false, false, true], 'onnxruntime mapped, libtorch and the addon not');
  const mine = new Detector(model, names, [256, 256]).detectImages([pixels]).results[0];
  const worst = assertSameDetections(mine.detections, deploy.result!.detections, 0.25, 'deploy child');
  assert.ok(worst.pairs >= 3, `the fixture finds shapes (${worst.pairs})`);
  t.diagnostic(`child without libtorch vs libtorch Detector: ${fmtWorst(worst)}`);
  model.dispose();

  // the same checks see libtorch when it is there, and the main entry cannot load without it
  const main = child('yolov3-ts', 'report({});', missing);
  assert.match(main.error ?? '', /native addon not found at .*no-such-addon\.node/);
  const withAddon = child('yolov3-ts', 'api.torch.zeros([1]).dispose(); report({});', { YOLO_NATIVE_PATH: undefined });
  assert.equal(withAddon.error, undefined);
  assert.deepEqual([withAddon.libtorch, withAddon.addon], [true, true]);
});
