import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ModelError } from '../../src/core/errors.js';
import { DEFAULT_PREPROCESS } from '../../src/model/manifest.js';
import { defaultModelManifest } from '../../src/model/resolve.js';
import { SamModel } from '../../src/model/sam-model.js';

const dir = mkdtempSync(path.join(tmpdir(), 'samkit-model-'));
const junk = path.join(dir, 'junk.onnx');
writeFileSync(junk, 'this is not an onnx model');
const real = defaultModelManifest();

test('a decoder file that is not ONNX gives a ModelError naming it', async () => {
  const manifest = { ...real, id: 'bad-decoder', decoder: { path: junk } };
  await assert.rejects(SamModel.load(manifest, { cacheDir: dir }), (e: unknown) => e instanceof ModelError && /junk\.onnx is not an ONNX model/.test((e as Error).message));
});

test('an encoder file that is not ONNX gives a ModelError naming it', async () => {
  const manifest = { ...real, id: 'bad-encoder', encoder: { path: junk } };
  await assert.rejects(SamModel.load(manifest, { cacheDir: dir }), (e: unknown) => e instanceof ModelError && /cannot load encoder .*junk\.onnx/.test((e as Error).message));
});

test('swapped encoder and decoder are rejected as not SAM models', async () => {
  const manifest = { ...real, id: 'swapped', encoder: real.decoder, decoder: real.encoder, preprocess: { ...DEFAULT_PREPROCESS } };
  await assert.rejects(SamModel.load(manifest, { cacheDir: dir }), /is not a SAM (decoder|encoder)/);
});

test('a missing model file is named', async () => {
  const manifest = { ...real, id: 'missing', encoder: { path: path.join(dir, 'nope.onnx') } };
  await assert.rejects(SamModel.load(manifest, { cacheDir: dir }), /nope\.onnx/);
});
