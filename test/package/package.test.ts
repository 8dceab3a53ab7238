// The package as a dependent gets it: `npm pack` of this checkout ships what
// users need (no tests, fixtures, CI or documentation images; every file
// package.json names; the prebuilt addon), and installed from that tarball
// into an empty project (from npm's cache, about a minute) the addon loads
// without compiling, `import` of both entries works and detects as this
// checkout does (in libtorch, and exported to ONNX in onnxruntime-node),
// `npx yolov3 --help` runs, and tsc type-checks a consumer
// file and the README's code blocks against the shipped types.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderShapes, writePng } from '../../src/data/index.js';
import { Detector, type Detection } from '../../src/detect/index.js';
import { REPO_ROOT } from '../support/references.js';
import { assertSameDetections } from '../detect/onnx_support.js';
import { SHAPES } from '../serve/deploy_files.js';
import { NPM_AVAILABLE, npm, npmEnv, packOnce, readmeTsBlocks } from './pack_support.js';

const PREBUILT = `prebuilds/${process.platform}-${process.arch}/yolov3_native.node`;
/** What the tarball held when this was written: ~460 files. A bound well above it, far below the 971 of everything. */
const MAX_FILES = 600;

function npmOrSkip(t: TestContext): boolean {
  if (NPM_AVAILABLE) return true;
  t.skip('npm is not on PATH: the package cannot be packed');
  return false;
}

test('npm pack ships what users need and nothing of the development checkout', { timeout: 300_000 }, (t) => {
  if (!npmOrSkip(t)) return;
  const { files } = packOnce();
  t.diagnostic(`${files.length} files`);
  const unwanted = files.filter((f) => /^(test|\.ci|docs|bench|examples|node_modules|dist\/(test|bench|examples))\//.test(f) || /\.(map|tsbuildinfo)$/.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')) || /^scripts\/(setup|run-tests)/.test(f));
  assert.deepEqual(unwanted, []);
  assert.ok(files.length < MAX_FILES, `${files.length} files`);

  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { main: string; types: string; bin: Record<string, string>; exports: Record<string, unknown> };
  const named = [pkg.main, pkg.types, ...Object.values(pkg.bin), ...Object.values(pkg.exports).flatMap((e) => (typeof e === 'object' && e ? Object.values(e) : []))];
  const nativeSources = readdirSync(join(REPO_ROOT, 'native', 'src')).map((f) => `native/src/${f}`);
  const needed = [...named, 'scripts/install.mjs', 'scripts/addon_files.mjs', 'native/binding.gyp', 'native/libtorch_config.cjs', ...nativeSources, 'src/onnx/proto/onnx.proto',
    'web/index.html', 'cfg/yolov3.cfg', 'cfg/yolov3-tiny.cfg', 'cfg/shapes-tiny.cfg', 'dist/src/serve/page/app.js', 'README.md', 'LICENSE', PREBUILT];
  const have = new Set(files);
  assert.deepEqual(needed.map((f) => f.replace(/^\.\//, '')).filter((f) => !have.has(f)), [], 'named in package.json or needed at run time, but not shipped');
});

test("the README's code imports from 'yolov3-ts' and 'yolov3-ts/deploy' only", () => {
  const blocks = readmeTsBlocks();
  assert.ok(blocks.length >= 3, `${blocks.length} TypeScript blocks`);
  const specifiers = blocks.flatMap((b) => [...b.matchAll(/from '([^']+)'/g)].map((m) => m[1]));
  assert.deepEqual([...new Set(specifiers)].sort(), ['yolov3-ts', 'yolov3-ts/deploy']);
});

/**
 * Run in the dependent project: a model from the package's cfg (main entry,
 * libtorch), a detection with the trained fixture, and the same after an
 * ONNX export in the deploy entry (onnxruntime-node, the shipped onnx.proto).
 */
const CONSUMER_RUN = `
import { Detector, Darknet, loadModelFile, readNames, saveOnnx, torch } from 'yolov3-ts';
import { Detector as DeployDetector } from 'yolov3-ts/deploy';
const [cfg, fixtureCfg, weights, names, image] = process.argv.slice(2);
const model = Darknet.fromFile(cfg).eval();
const shape = torch.tidy(() => model.forward(torch.rand([1, 3, 64, 64])).shape);
model.dispose();
const detector = Detector.fromDarknet({ cfg: fixtureCfg, weights, names });
const { detections } = await detector.detect(image, { conf: 0.25 });
detector.dispose();
const trained = Darknet.fromFile(fixtureCfg);
loadModelFile(trained, weights);
saveOnnx(trained, 'shapes.onnx', { names: readNames(names) });
trained.dispose();
const onnx = await DeployDetector.fromOnnx('shapes.onnx');
const fromOnnx = (await onnx.detect(image, { conf: 0.25 })).detections;
await onnx.dispose();
console.log(JSON.stringify({ shape, detections, fromOnnx, tensors: torch.memory().tensors }));
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false,
    types: ['node'], typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
  },
  include: ['*.ts'],
};

function installTarball(project: string, tarball: string): string {
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  // --foreground-scripts: the install script's line is in the output
  const r = npm(['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], project);
  assert.equal(r.status, 0, `npm install ${tarball} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('installed from the tarball into an empty project: the prebuilt addon loads, both entries import, npx yolov3 runs, tsc checks a consumer', { timeout: 600_000 }, async (t) => {
  if (!npmOrSkip(t)) return;
  const { tarball } = packOnce();
  const project = mkdtempSync(join(tmpdir(), 'yolov3-consumer-'));
  t.after(() => rmSync(project, { recursive: true, force: true }));
  let start = Date.now();
  const out = installTarball(project, tarball);
  t.diagnostic(`npm install: ${((Date.now() - start) / 1000).toFixed(1)} s`);
  const installed = join(project, 'node_modules', 'yolov3-ts');
  assert.match(out, /\[yolov3-ts\] using the prebuilt addon /, out);
  assert.ok(!existsSync(join(installed, 'native', 'build')), 'nothing was compiled');
  assert.ok(readFileSync(join(installed, PREBUILT)).equals(readFileSync(join(REPO_ROOT, 'native', 'build', 'Release', 'yolov3_native.node'))), 'the prebuilt is the checkout\'s build');

  // the same image detected in the dependent project and here: the same detections
  const image = join(project, 'shapes.png');
  await writePng(renderShapes(4242, 2, 256, 256), image);
  writeFileSync(join(project, 'run.mjs'), CONSUMER_RUN);
  const run = spawnSync(process.execPath, ['run.mjs', join(installed, 'cfg', 'shapes-tiny.cfg'), SHAPES.cfg, SHAPES.weights, SHAPES.names, image], { cwd: project, encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  const got = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { shape: number[]; detections: Detection[]; fromOnnx: Detection[]; tensors: number };
  // 64 px through strides 32 and 16, 3 anchors each: 3 * (2*2 + 4*4) = 60 boxes of 5 + 3 classes
  assert.deepEqual([got.shape, got.tensors], [[1, 60, 8], 0]);
  const here = Detector.fromDarknet({ cfg: SHAPES.cfg, weights: SHAPES.weights, names: SHAPES.names });
  try {
    const { detections } = await here.detect(image, { conf: 0.25 });
    assert.ok(detections.length >= 3);
    assertSameDetections(detections, got.detections, 0.25, 'installed package vs checkout', { box: 1e-3, score: 1e-5 });
    assertSameDetections(detections, got.fromOnnx, 0.25, 'installed package, exported and run in onnxruntime-node, vs checkout');
  } finally {
    here.dispose();
  }

  const help = spawnSync('npx', ['yolov3', '--help'], { cwd: project, encoding: 'utf8', env: npmEnv(), timeout: 120_000 });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^usage: yolov3 <command>/);

  readmeTsBlocks().forEach((code, i) => writeFileSync(join(project, `readme-${i}.ts`), code));
  copyFileSync(join(REPO_ROOT, 'test', 'package', 'consumer.ts'), join(project, 'consumer.ts'));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  start = Date.now();
  const tsc = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: project, encoding: 'utf8', timeout: 300_000 });
  assert.equal(tsc.status, 0, `tsc in the dependent project:\n${tsc.stdout}${tsc.stderr}`);
  t.diagnostic(`tsc: ${((Date.now() - start) / 1000).toFixed(1)} s`);
});
