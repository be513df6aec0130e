import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import ort from 'onnxruntime-node';
import { ModelError } from '../../src/core/errors.js';
import { GraphBuilder } from '../../src/model/onnx-builder.js';
import { createSession } from '../../src/model/session-cache.js';

function tinyModel(file: string): void {
  const g = new GraphBuilder('tiny');
  const x = g.input('x', ['n', 3]);
  const y = g.o('Add', [g.o('MatMul', [x, g.tensor('w', new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2])]), g.tensor('b', new Float32Array([0.5, -1]), [2])]);
  g.output(y, 'y', ['n', 2]);
  writeFileSync(file, g.build());
}

async function runTiny(s: ort.InferenceSession): Promise<number[]> {
  const out = await s.run({ x: new ort.Tensor('float32', new Float32Array([1, 0, 2, 0, 1, 1]), [2, 3]) });
  return Array.from(out.y.data as Float32Array);
}

test('sessions save their optimized graph once, reuse it, and survive a corrupt cache file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-sessions-'));
  const file = path.join(dir, 'tiny.onnx');
  tinyModel(file);
  const cache = path.join(dir, 'cache');
  const want = [11.5, 13, 8.5, 9];
  assert.deepEqual(await runTiny(await createSession(file, 1, 'tiny', cache)), want);
  const saved = readdirSync(path.join(cache, 'optimized'));
  assert.deepEqual(saved.map((f) => path.extname(f)).sort(), ['.onnx', '.source'], 'one optimized graph saved, with its source recorded');
  assert.deepEqual(await runTiny(await createSession(file, 1, 'tiny', cache)), want, 'loaded from the saved graph');
  assert.deepEqual(readdirSync(path.join(cache, 'optimized')), saved, 'nothing new written');
  const optimized = path.join(cache, 'optimized', saved.find((f) => f.endsWith('.onnx'))!);
  writeFileSync(optimized, 'not a model');
  assert.deepEqual(await runTiny(await createSession(file, 1, 'tiny', cache)), want, 'a corrupt cache file falls back');
  assert.ok(readFileSync(optimized).length > 100, 'and is rewritten');
});

test('a file that is not a model is a ModelError naming it, with or without a cache', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'samkit-sessions-'));
  const junk = path.join(dir, 'junk.onnx');
  writeFileSync(junk, 'junk');
  for (const cache of [undefined, path.join(dir, 'cache')]) {
    await assert.rejects(createSession(junk, 1, `thing ${junk}`, cache), (e: unknown) => e instanceof ModelError && /cannot load thing .*junk\.onnx/.test((e as Error).message));
  }
});
