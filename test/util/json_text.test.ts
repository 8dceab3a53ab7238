import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonText, JsonSyntaxError } from '../../src/util/json_text.js';

const error = (text: string): JsonSyntaxError => {
  try {
    parseJsonText(text, 'x.json');
  } catch (e) {
    assert.ok(e instanceof JsonSyntaxError);
    return e;
  }
  assert.fail('parsed');
};

test('parseJsonText: valid JSON parses; a syntax error names the file, line and column (counted by hand)', () => {
  assert.deepEqual(parseJsonText('{"a": [1, 2]}', 'x.json'), { a: [1, 2] });
  // the stray 'x' is on line 3, column 9 (' "b": 2 x')
  const e = error('{\n "a": 1,\n "b": 2 x\n}');
  assert.deepEqual([e.line, e.column], [3, 9]);
  assert.match(e.message, /^x\.json:3:9: invalid JSON: /);
  // the end of the input: the last line, after its last character
  const end = error('{\n "a": [1,');
  assert.deepEqual([end.line, end.column], [2, 10]);
});

test('parseJsonText: a token V8 gives no position for: the file without a line, on one line', () => {
  const e = error('s |\n  "images": []');
  assert.equal(e.line, undefined);
  assert.match(e.message, /^x\.json: invalid JSON: /);
  assert.ok(!e.message.includes('\n'));
});
