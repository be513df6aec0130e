/**
 * How many kernel helper threads the page starts (web/src/kernel-start.ts): one per core beyond the
 * first, at most the module's lanes, fewer when `?kernelThreads=N` asks for N threads in all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelHelperCount } from '../../web/src/kernel-start.js';
import { KERNEL_MAX_HELPERS } from '../../src/kernel/decoder-kernel.js';

test('kernel helpers: one per core beyond the first, capped by the lanes and by ?kernelThreads', () => {
  assert.equal(KERNEL_MAX_HELPERS, 3);
  assert.deepEqual([1, 2, 3, 4, 8, 16].map((cores) => kernelHelperCount(null, cores)), [0, 1, 2, 3, 3, 3]);
  // ?kernelThreads=N: N threads in all, never more than the cores
  assert.equal(kernelHelperCount('1', 8), 0);
  assert.equal(kernelHelperCount('2', 8), 1);
  assert.equal(kernelHelperCount('3', 2), 1);
  assert.equal(kernelHelperCount('12', 8), 3);
  // not a thread count: the default
  for (const bad of ['0', '-2', '1.5', 'two', '']) assert.equal(kernelHelperCount(bad, 4), 3, bad);
});
