// The shape of src/ that docs/DESIGN.md promises, checked on the sources
// themselves: files of at most 300 lines, functions of at most 70, and
// imports that point down the layers only. A new folder under src/ fails
// here until it is given a place in LAYERS, so every layer is placed on
// purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './support/references.js';

const SRC = join(REPO_ROOT, 'src');
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 70;

/**
 * Rank of each top-level folder of src/ (docs/DESIGN.md, "Layers"): a file may
 * import its own folder or a folder of lower rank, never one of equal or
 * higher rank. `index.ts` at the top of src/ is the package's face and may
 * import anything.
 */
const LAYERS: Record<string, number> = {
  util: 0,
  torch: 1,
  onnx: 1, // the ONNX file format (onnx.proto via protobufjs) and the exported detector's metadata contract
  nn: 2,
  boxes: 2,
  yolo: 3, // the head decoder, assignment and loss: torch and boxes
  eval: 3,
  data: 3,
  darknet: 4, // cfg → model; its heads decode with yolo's decoder
  detect: 5,
  val: 6,
  export: 6,
  serve: 6, // the browser page's server and the page's own modules: detect, onnx
  train: 7,
  experiment: 8,
  cli: 9,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const files = sourceFiles(SRC);
const folderOf = (file: string) => {
  const parts = relative(SRC, file).split(sep);
  return parts.length === 1 ? '' : parts[0];
};

test('every file in src/ has at most 300 lines', () => {
  const long = files
    .map((f) => ({ f: relative(REPO_ROOT, f), n: readFileSync(f, 'utf8').replace(/\n$/, '').split('\n').length }))
    .filter((x) => x.n > MAX_FILE_LINES)
    .map((x) => `${x.f}: ${x.n} lines`);
  assert.deepEqual(long, []);
});

test('every function in src/ has at most 70 lines', () => {
  const long: string[] = [];
  for (const f of files) {
    const sf = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
        const last = sf.getLineAndCharacterOfPosition(n.end).line;
        if (last - first + 1 > MAX_FUNCTION_LINES) {
          const name = (n as ts.FunctionLikeDeclaration).name?.getText(sf) ?? '(anonymous)';
          long.push(`${relative(REPO_ROOT, f)}:${first + 1} ${name}: ${last - first + 1} lines`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  assert.deepEqual(long, []);
});

test('imports in src/ point down the layers only', () => {
  const wrong: string[] = [];
  for (const f of files) {
    const from = folderOf(f);
    if (from === '') continue; // src/index.ts
    if (!(from in LAYERS)) {
      wrong.push(`src/${from}/ has no layer: add it to LAYERS here and to docs/DESIGN.md`);
      continue;
    }
    const sf = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true);
    for (const st of sf.statements) {
      const spec = (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : null;
      if (!spec || !spec.startsWith('.')) continue;
      const target = resolve(dirname(f), spec);
      if (!target.startsWith(SRC + sep)) {
        wrong.push(`${relative(REPO_ROOT, f)} imports ${spec}, outside src/`);
        continue;
      }
      const to = folderOf(target);
      if (to === from) continue;
      if (to === '' || !(to in LAYERS) || LAYERS[to] >= LAYERS[from]) wrong.push(`${relative(REPO_ROOT, f)} (${from}) imports ${spec} (${to || 'src/index'})`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the checks above can fail: a 71-line function is found', () => {
  const body = Array.from({ length: 69 }, (_, i) => `  const v${i} = ${i};`).join('\n');
  const sf = ts.createSourceFile('x.ts', `function f() {\n${body}\n}\n`, ts.ScriptTarget.Latest, true);
  const fn = sf.statements[0] as ts.FunctionDeclaration;
  const lines = sf.getLineAndCharacterOfPosition(fn.end).line - sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line + 1;
  assert.equal(lines, 71);
});
