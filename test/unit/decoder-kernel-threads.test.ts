/**
 * The threaded kernel build (shared memory, helper instances in other threads sharing the
 * independent work items, from the token side's column chunks to the mask head's rows and the mask
 * input's corrections): same outputs, bit for bit, as the single-threaded
 * relaxed build (checked in a child Node with relaxed SIMD switched on, see
 * test/helpers/kernel-threads-check.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../helpers/reference.js';

const FLAG = '--experimental-wasm-relaxed-simd';
const relaxedNode = spawnSync(process.execPath, [FLAG, '-e', '0']).status === 0;

test('the threaded build with two helper threads decodes exactly as the single-threaded build', { skip: !relaxedNode && 'this Node has no relaxed SIMD' }, () => {
  // --no-liftoff: relaxed SIMD's multiply-add may round differently in V8's baseline compiler than
  // once optimised (fused or not), so an item the helper runs cold could differ in the last bit from
  // the same item run warm; with one tier the same code must give the same bits on either thread.
  const r = spawnSync(process.execPath, [FLAG, '--no-liftoff', path.join(PROJECT_ROOT, 'dist/test/helpers/kernel-threads-check.js')], {
    encoding: 'utf8', timeout: 300000, env: { ...process.env, SAMKIT_KERNEL_THREADS_CHECK: '1' },
  });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { helperAlive: boolean; helperCount: number; helperItems: number; compared: number; differing: number };
  console.log(`threaded vs single: ${out.compared} values compared, ${out.differing} differ (helpers running: ${out.helperCount}, items they did: ${out.helperItems})`);
  assert.equal(out.helperCount, 2, 'both helper threads started');
  assert.ok(out.helperItems > 0, 'the helper threads shared the work');
  assert.ok(out.compared > 4 * 64 * 64 * 16, 'whole masks compared');
  assert.equal(out.differing, 0);
});
