/**
 * The relaxed-SIMD build of the decoder kernel (fused multiply-adds): it is the plain build's code
 * with every prototype f32x4.fma rewritten to the standard relaxed_madd, it is chosen only where the
 * engine validates it, and (in a Node with relaxed SIMD switched on) it matches the onnxruntime
 * graphs within the same tolerance as the plain build, with and without a mask input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { KERNEL_BUILD_FILES, kernelBuild, relaxedSimdSupported } from '../../src/kernel/kernel-build.js';
import { NODE_KERNEL_BUILD } from '../../src/kernel/node-kernel.js';
import { PROJECT_ROOT } from '../helpers/reference.js';

const dir = path.join(PROJECT_ROOT, 'native/decoder-kernel');

test('the plain build validates everywhere; the relaxed one only where relaxed SIMD is on', () => {
  assert.ok(WebAssembly.validate(readFileSync(path.join(dir, KERNEL_BUILD_FILES.simd))));
  assert.equal(WebAssembly.validate(readFileSync(path.join(dir, KERNEL_BUILD_FILES.relaxed))), relaxedSimdSupported());
  assert.equal(kernelBuild(), relaxedSimdSupported() ? 'relaxed' : 'simd');
  assert.equal(kernelBuild('simd'), 'simd');
  if (process.env.SAMKIT_EXPECT_KERNEL_BUILD) assert.equal(NODE_KERNEL_BUILD, process.env.SAMKIT_EXPECT_KERNEL_BUILD);
});

test('the relaxed build has standard relaxed_madd instructions and no prototype fma left', () => {
  const bytes = readFileSync(path.join(dir, KERNEL_BUILD_FILES.relaxed));
  const count = (seq: number[]) => { let n = 0; for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === seq[0] && bytes[i + 1] === seq[1] && bytes[i + 2] === seq[2]) n++; return n; };
  assert.ok(count([0xfd, 0x85, 0x02]) >= 100, 'relaxed_madd instructions');
  assert.equal(count([0xfd, 0xaf, 0x01]), 0, 'prototype f32x4.fma left');
});

const relaxedNode = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '-e', 'process.exit(WebAssembly.validate(new Uint8Array([0,97,115,109,1,0,0,0,1,8,1,96,3,123,123,123,1,123,3,2,1,0,10,13,1,11,0,32,0,32,1,32,2,253,133,2,11])) ? 0 : 1)']).status === 0;

test('in a Node with relaxed SIMD, the relaxed build matches the graphs (with and without mask inputs)', { skip: !relaxedNode && 'this Node has no relaxed SIMD' }, () => {
  const files = ['decoder-kernel-relaxed.test.js', 'decoder-kernel.test.js', 'decoder-kernel-mask.test.js'].map((f) => path.join(PROJECT_ROOT, 'dist/test/unit', f));
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--test', '--test-concurrency=1', '--test-name-pattern', 'random|validates', ...files], {
    // (without the parent runner's NODE_TEST_CONTEXT, the child reports on its stdout)
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), SAMKIT_EXPECT_KERNEL_BUILD: 'relaxed' }, encoding: 'utf8',
  });
  const summary = r.stdout.split('\n').filter((l) => /^# (kernel vs|pass|fail)/.test(l)).join('\n');
  console.log(summary);
  assert.equal(r.status, 0, `the relaxed build's tests failed:\n${r.stdout.slice(-3000)}`);
  assert.match(r.stdout, /# pass [3-9]/);
});
