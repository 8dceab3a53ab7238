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
  const more = parseXml("<a x='&lt;&#65;'>t &#65;&#x42;<![CDATA[<raw>]]><!-- c --><c/>v</a>");
  assert.deepEqual([more.attrs.x, more.text, more.children.map((c) => c.name)], ['<A', 't AB<raw>v', ['c']]);
});

test('malformed XML names the file and line', () => {
  assert.throws(() => parseXml('<a>\n<b>\n</a>', 'f.xml'), /f\.xml:3: Expected closing tag 'b' \(opened in line 2, col 1\) instead of closing tag 'a'/);
  assert.throws(() => parseXml('<a>\n<b></b>', 'f.xml'), /f\.xml:2: Unclosed tag 'a' \(opened on line 1\)/);
  assert.throws(() => parseXml('<a/>\n<b/>', 'f.xml'), /f\.xml:1: expected one root element, found 2/);
});
