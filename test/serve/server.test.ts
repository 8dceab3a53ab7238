// The server of `yolov3 serve` without a browser: what each path serves
// (the page, its modules and only those, onnxruntime-web's files, the model
// and its metadata, --files, nothing outside them), its headers, and the
// errors that name their cause (a non-ONNX model, a missing folder, a page
// module that imports a Node module).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Darknet, loadWeights } from '../../src/darknet/index.js';
import { readNames } from '../../src/detect/index.js';
import { exportOnnx } from '../../src/export/index.js';
import { readModelHeader } from '../../src/onnx/onnx_proto.js';
import { startServer, PAGE_ENTRY } from '../../src/serve/server.js';
import { browserModules, IMPORT_MAP, moduleImports } from '../../src/serve/browser_modules.js';
import { REPO_ROOT } from '../support/references.js';
import { SHAPES, shapesFiles, tmp } from './deploy_files.js';

function shapesModel(dir: string): string {
  const model = Darknet.fromFile(SHAPES.cfg);
  loadWeights(model, SHAPES.weights);
  const path = join(dir, 'shapes.onnx');
  writeFileSync(path, exportOnnx(model, { names: readNames(SHAPES.names), resize: 'stretch' }));
  model.dispose();
  return path;
}

test('serve: the page, its modules only, onnxruntime-web, the model and its metadata, --files; nothing else', async () => {
  const dir = tmp();
  const model = shapesModel(dir);
  mkdirSync(join(dir, 'files'));
  const [png] = await shapesFiles(join(dir, 'files'));
  writeFileSync(join(dir, 'secret.txt'), 'not served');
  const served = await startServer({ model, port: 0, files: join(dir, 'files') });
  // node:http sends the path as written (fetch would resolve '..' first)
  const get = (path: string, method = 'GET') => new Promise<{ status: number; type?: string; headers: Record<string, unknown>; body: Uint8Array }>((done, fail) => {
    request(new URL(served.url), { path, method }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => done({ status: res.statusCode!, type: res.headers['content-type'], headers: res.headers, body: new Uint8Array(Buffer.concat(parts)) }));
    }).on('error', fail).end();
  });
  const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
  try {
    assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(served.meta.resize, 'stretch');
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.equal(page.type, 'text/html; charset=utf-8');
    assert.equal(page.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(page.headers['cross-origin-embedder-policy'], 'require-corp');
    // the page's import map is the one the module check allows
    const map = /<script type="importmap">(.*?)<\/script>/s.exec(text(page.body));
    assert.deepEqual(JSON.parse(map![1]).imports, IMPORT_MAP);
    assert.match(text(page.body), new RegExp(`src="/lib/${PAGE_ENTRY}"`));
    assert.equal((await get('/style.css')).type, 'text/css; charset=utf-8');

    const info = JSON.parse(text((await get('/model.json')).body));
    assert.deepEqual(info, { file: 'shapes.onnx', metadata: readModelHeader(readFileSync(model), model).metadata });
    assert.deepEqual((await get('/model.onnx')).body, new Uint8Array(readFileSync(model)));

    for (const m of ['serve/page/app.js', 'detect/onnx_runner.js', 'boxes/yolo_nms_plain.js', 'detect/preprocess.js', 'onnx/yolo_metadata.js']) {
      const r = await get(`/lib/${m}`);
      assert.equal(r.status, 200, m);
      assert.equal(r.type, 'text/javascript; charset=utf-8');
      assert.equal(text(r.body), readFileSync(join(REPO_ROOT, 'dist', 'src', m), 'utf8'));
    }
    for (const p of ['/lib/data/image.js', '/lib/torch/native.js', '/lib/serve/server.js', '/lib/../../package.json', '/lib/..%2f..%2fpackage.json', '/lib/serve/../data/image.js']) assert.equal((await get(p)).status, 404, p);

    const wasm = await get('/ort/ort-wasm-simd-threaded.wasm');
    assert.equal(wasm.status, 200);
    assert.equal(wasm.type, 'application/wasm');
    assert.deepEqual([...wasm.body.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]); // "\0asm"
    assert.equal((await get('/ort/ort.wasm.min.mjs')).status, 200);
    assert.equal((await get('/ort/package.json')).status, 404);

    const image = await get('/files/shapes-0.png');
    assert.equal(image.type, 'image/png');
    assert.deepEqual(image.body, new Uint8Array(readFileSync(png)));
    for (const p of ['/files/../secret.txt', '/files/..%2fsecret.txt', '/files/%2e%2e/secret.txt', '/files/nope.png', '/files/', '/secret.txt', '/nope']) assert.equal((await get(p)).status, 404, p);
    assert.equal((await get('/', 'POST')).status, 405);
    assert.equal((await get('/model.onnx', 'HEAD')).status, 200);
  } finally {
    await served.close();
  }
});

test('serve errors name their cause: a non-ONNX model, a missing model file, a missing folder', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'notes.onnx'), 'this is text, not a model');
  await assert.rejects(startServer({ model: join(dir, 'notes.onnx'), port: 0 }), /notes\.onnx: not an ONNX model/);
  await assert.rejects(startServer({ model: join(dir, 'absent.onnx'), port: 0 }), /absent\.onnx: cannot read: no such file/);
  const model = shapesModel(dir);
  await assert.rejects(startServer({ model, port: 0, files: join(dir, 'nope') }), /nope: no such folder \(--files\)/);
});

test('the page module check follows imports and rejects a module that imports Node', () => {
  assert.deepEqual(moduleImports(`import { a } from './a.js';\nexport * from "../b/c.js";\nimport {\n  x,\n  y,\n} from './multi.js';\nimport './side.js';\nconst m = await import('./lazy.js');\nimport * as ort from 'onnxruntime-web';`), ['./a.js', '../b/c.js', './multi.js', './side.js', './lazy.js', 'onnxruntime-web']);
  const root = tmp();
  mkdirSync(join(root, 'page'));
  mkdirSync(join(root, 'lib'));
  writeFileSync(join(root, 'page', 'entry.js'), "import { f } from '../lib/f.js';\nimport * as ort from 'onnxruntime-web';\n");
  writeFileSync(join(root, 'lib', 'f.js'), "export { g } from './g.js';\n");
  writeFileSync(join(root, 'lib', 'g.js'), 'export const g = 1;\n');
  assert.deepEqual([...browserModules(root, ['page/entry.js'])].sort(), ['lib/f.js', 'lib/g.js', 'page/entry.js']);
  writeFileSync(join(root, 'lib', 'g.js'), "import { readFileSync } from 'node:fs';\nexport const g = 1;\n");
  assert.throws(() => browserModules(root, ['page/entry.js']), /lib\/g\.js imports 'node:fs', which a browser cannot load/);
  // the real page: the shared detection code, and nothing that needs Node or libtorch
  const real = browserModules(join(REPO_ROOT, 'dist', 'src'), [PAGE_ENTRY]);
  for (const m of ['detect/onnx_runner.js', 'detect/onnx_outputs.js', 'detect/preprocess.js', 'detect/results.js', 'boxes/letterbox.js', 'boxes/nms_core.js', 'detect/resize_rgb.js', 'data/draw.js']) assert.ok(real.has(m), m);
  assert.ok(![...real].some((m) => m.startsWith('torch/') || m === 'data/image.js'), [...real].join(' '));
});
