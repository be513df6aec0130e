import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encodePrompts } from '../../src/core/prompt.js';
import { recordDerived } from '../../src/model/derived-cache.js';
import { defaultModelManifest, resolveModelFile } from '../../src/model/resolve.js';
import { SamModel } from '../../src/model/sam-model.js';

test('recording a derived entry removes older entries of its source, entries of deleted sources and old unrecorded files', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'samkit-derived-'));
  const dir = path.join(root, 'cache');
  const source = path.join(root, 'model.onnx'), other = path.join(root, 'other.onnx');
  writeFileSync(source, 'a');
  writeFileSync(other, 'b');
  mkdirSync(dir);
  const put = (name: string, text = 'x') => writeFileSync(path.join(dir, name), text);
  put('old1.onnx'); put('old1.image.onnx'); put('old1.source', source); // same source, earlier key
  put('keep1.onnx'); put('keep1.source', other); // another source that still exists
  put('gone1.onnx'); put('gone1.source', path.join(root, 'deleted.onnx')); // source deleted
  put('legacy1.onnx'); // written before sources were recorded, long ago
  const day = Date.now() / 1000 - 86400;
  utimesSync(path.join(dir, 'legacy1.onnx'), day, day);
  put('busy1.onnx.123.456.part'); // another writer's file in progress
  put('new1.onnx');
  await recordDerived(dir, 'new1', source);
  assert.deepEqual(readdirSync(dir).sort(), ['busy1.onnx.123.456.part', 'keep1.onnx', 'keep1.source', 'new1.onnx', 'new1.source']);
  // Recording again is harmless; a missing directory is ignored.
  await recordDerived(dir, 'new1', source);
  assert.equal(readdirSync(dir).length, 5);
  await recordDerived(path.join(root, 'nowhere'), 'k', source);
});

test('reinstalled or copied model files (new mtime, other folder) share one set of derived decoders and optimized graphs', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'samkit-reinstall-'));
  const real = defaultModelManifest();
  const files = { encoder: path.join(root, 'encoder.onnx'), decoder: path.join(root, 'sam.onnx') };
  copyFileSync(await resolveModelFile(real.encoder), files.encoder);
  copyFileSync(await resolveModelFile(real.decoder), files.decoder);
  const manifest = { ...real, id: 'reinstalled', encoder: { path: files.encoder }, decoder: { path: files.decoder } };
  const cacheDir = path.join(root, 'cache');
  const listing = () => ({ decoders: readdirSync(path.join(cacheDir, 'decoders')).sort(), optimized: readdirSync(path.join(cacheDir, 'optimized')).sort() });
  // A lone prompt runs the full decoder graph, so its session (and optimized graph) exists too.
  const use = async () => {
    const model = await SamModel.load(manifest, { cacheDir, threads: 1 });
    await model.decode(new Float32Array(256 * 64 * 64), encodePrompts([{ pointCoords: [[10, 10]], pointLabels: [1] }], { width: 64, height: 64 }, 1024, 256));
  };
  await use();
  const first = listing();
  assert.ok(first.decoders.length >= 4 && first.optimized.length >= 4, JSON.stringify(first));
  // As after `npm ci`: same files, new mtimes; the keys are the content's, so nothing is rebuilt.
  const later = Date.now() / 1000 + 60;
  utimesSync(files.encoder, later, later);
  utimesSync(files.decoder, later, later);
  await use();
  assert.deepEqual(listing(), first, 'same content, same cache entries');
  // Another install location of the same model (a second checkout, a consumer project) shares them too.
  const other = path.join(root, 'other');
  mkdirSync(other);
  copyFileSync(files.encoder, path.join(other, 'encoder.onnx'));
  copyFileSync(files.decoder, path.join(other, 'sam.onnx'));
  manifest.encoder = { path: path.join(other, 'encoder.onnx') };
  manifest.decoder = { path: path.join(other, 'sam.onnx') };
  await use();
  const third = listing();
  assert.deepEqual(third.decoders.filter((f) => !f.endsWith('.source')), first.decoders.filter((f) => !f.endsWith('.source')));
  assert.deepEqual(third.optimized.filter((f) => !f.endsWith('.source')), first.optimized.filter((f) => !f.endsWith('.source')));
});
