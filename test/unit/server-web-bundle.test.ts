/**
 * The browser app bundles samkit's pure core modules; they must build for the browser with no Node
 * built-in anywhere in the graph (esbuild fails on `node:` imports for platform 'browser').
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('src/core and the shared protocol bundle for the browser', async () => {
  const entry = ['prompt', 'upsample', 'mask', 'rle', 'transforms'].map((m) => `export * from './src/core/${m}.js';`).join('\n')
    + "\nexport * from './src/server/protocol.js';\n";
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: 'core-entry.ts', loader: 'ts' },
    bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((f) => f.endsWith('src/core/upsample.ts')));
  assert.deepEqual(inputs.filter((f) => !f.startsWith('src/') && f !== 'core-entry.ts'), [], 'only samkit sources');
});

test('the web frontend bundles for the browser', async () => {
  const result = await esbuild.build({
    entryPoints: [path.join(ROOT, 'web/src/main.ts'), path.join(ROOT, 'web/src/decoder-worker.ts'), path.join(ROOT, 'web/src/image-side-worker.ts')],
    bundle: true, platform: 'browser', format: 'esm', write: false, outdir: 'out', conditions: ['onnxruntime-web-use-extern-wasm'], logLevel: 'silent',
  });
  assert.equal(result.errors.length, 0);
  assert.equal(result.outputFiles.length, 3);
});
