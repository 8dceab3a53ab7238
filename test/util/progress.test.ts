import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSeconds } from '../../src/util/progress.js';

test('ETA formatting', () => {
  assert.equal(formatSeconds(5), '0:05');
  assert.equal(formatSeconds(125), '2:05');
  assert.equal(formatSeconds(3 * 3600 + 61), '3h01m');
  assert.equal(formatSeconds(Infinity), '--:--');
});
