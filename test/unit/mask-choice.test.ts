/** Which mask token to show: the official notebooks' rule, before and after the scores are known. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseMaskToken, resolveMaskTokenRule } from '../../src/core/mask-choice.js';

test('a lone point shows the best multimask candidate, any other prompt the single-mask token, a number that token', () => {
  const scores = [0.99, 0.5, 0.8, 0.8];
  assert.equal(chooseMaskToken(scores, true, 'auto'), 2); // token 0 never competes; the first of equals
  assert.equal(chooseMaskToken(scores, false, 'auto'), 0);
  assert.equal(chooseMaskToken(scores, false, 'best-multi'), 2);
  assert.equal(chooseMaskToken(scores, true, 3), 3);
  assert.equal(resolveMaskTokenRule(true, 'auto'), 'best-multi');
  assert.equal(resolveMaskTokenRule(false, 'auto'), 0);
  assert.equal(resolveMaskTokenRule(false, 'best-multi'), 'best-multi');
  assert.equal(resolveMaskTokenRule(true, 1), 1);
});
