import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml, child, children, childText } from '../../src/data/xml.js';

test('parses elements, text, attributes, entities and comments', () => {
  const doc = parseXml('<?xml version="1.0"?>\n<!-- c --><annotation a="1"><name>A &amp; B</name><object><x>1</x></object><object><x>2</x></object><empty/></annotation>');
  assert.equal(doc.name, 'annotation');
  assert.equal(doc.attrs.a, '1');
  assert.equal(childText(doc, 'name'), 'A & B');
  assert.deepEqual(children(doc, 'object').map((o) => childText(o, 'x')), ['1', '2']);
  assert.ok(child(doc, 'empty'));
});

test('malformed XML names the file and line', () => {
  assert.throws(() => parseXml('<a>\n<b>\n</a>', 'f.xml'), /f\.xml:3: closing <\/a> does not match <b>/);
  assert.throws(() => parseXml('<a>\n<b></b>', 'f.xml'), /f\.xml:2: unclosed <a>/);
});
