import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseYaml } from '../../src/data/yaml.js';
import { namesFromYaml } from '../../src/data/yolo_dataset.js';
import { sharedPath } from '../support/references.js';

test('parses the ultralytics coco128.yaml', (t) => {
  const p = sharedPath(t, 'data/coco128/coco128.yaml');
  if (!p) return;
  const doc = parseYaml(readFileSync(p, 'utf8'), p) as Record<string, unknown>;
  assert.equal(doc.path, '.');
  assert.equal(doc.train, 'images/train2017');
  assert.equal(doc.nc, 80);
  const names = namesFromYaml(doc.names as never, doc.nc as never, p);
  assert.equal(names.length, 80);
  assert.equal(names[0], 'person');
  assert.equal(names[9], 'traffic light');
});

test('lists, flow collections, quotes, comments, scalars', () => {
  const doc = parseYaml([
    '# comment',
    'path: ../datasets/x  # trailing comment',
    'train: [images/a, "images/b c"]',
    'val:',
    '  - images/v1',
    '  - images/v2',
    'names: {0: cat, 1: "dog #1"}',
    'download: null',
    'ratio: 0.5',
    'flag: true',
    'nested:',
    '  a: 1',
    '  b:',
    "    c: 'it''s'",
  ].join('\n'));
  assert.deepEqual(doc, {
    path: '../datasets/x', train: ['images/a', 'images/b c'], val: ['images/v1', 'images/v2'],
    names: { 0: 'cat', 1: 'dog #1' }, download: null, ratio: 0.5, flag: true, nested: { a: 1, b: { c: "it's" } },
  });
  assert.deepEqual(namesFromYaml(['a', 'b'], null, 'x'), ['a', 'b']);
  assert.deepEqual(namesFromYaml({ 1: 'b', 0: 'a' }, 2, 'x'), ['a', 'b']);
});

test('what the subset refused: anchors and aliases, maps inside lists', () => {
  assert.deepEqual(parseYaml('a: &x [1, 2]\nb: *x\nc:\n  - k: 1\n    v: two\n'), { a: [1, 2], b: [1, 2], c: [{ k: 1, v: 'two' }] });
  assert.deepEqual(parseYaml('ok: yes\nno: no\n'), { ok: 'yes', no: 'no' }); // YAML 1.2: strings, as before
});

test('block scalars (ultralytics download scripts) are kept as text', () => {
  const doc = parseYaml([
    'names: [a]',
    'download: |',
    '  from pathlib import Path  # a comment inside the script',
    '',
    '  for x in [1, 2]:',
    '      print(x)',
    'after: 1',
  ].join('\n')) as Record<string, unknown>;
  assert.equal(doc.download, 'from pathlib import Path  # a comment inside the script\n\nfor x in [1, 2]:\n    print(x)\n');
  assert.equal(doc.after, 1);
});

test('errors name the file and line', () => {
  assert.throws(() => parseYaml('a: 1\nthis is not yaml\n', 'd.yaml'), /d\.yaml:2:/);
  // A flow list may continue on the next line in YAML, so the missing ] shows on line 2.
  assert.throws(() => parseYaml('a: [1, 2\n', 'd.yaml'), /d\.yaml:2: Flow sequence .* end with a \]$/);
  assert.throws(() => parseYaml('a: 1\nb: *anchor\n', 'd.yaml'), /d\.yaml:2: alias \*anchor has no anchor &anchor before it/);
  assert.throws(() => parseYaml('a: 1\n\tb: 2\n', 'd.yaml'), /d\.yaml:2: Tabs are not allowed as indentation/);
  assert.throws(() => parseYaml('names: [a]\nnames: [b]\n', 'd.yaml'), /d\.yaml:2: Map keys must be unique/);
  assert.throws(() => namesFromYaml(['a', 'b'], 3, 'd.yaml'), /nc: 3 but names has 2/);
  assert.throws(() => namesFromYaml({ 0: 'a', 2: 'c' }, null, 'd.yaml'), /no entry for class 1/);
});
