import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml } from '../../src/util/xml_text.js';

test('escapeXml: markup characters become entities; characters XML forbids are dropped; others stay', () => {
  assert.equal(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;');
  assert.equal(escapeXml('ca\u0002t\u0000\u001f\uffff'), 'cat');
  assert.equal(escapeXml('tab\there\nné 日本 \ud83d\ude00'), 'tab\there\nné 日本 \ud83d\ude00');
  assert.equal(escapeXml('lone \ud83d and \ude00'), 'lone  and ');
});
