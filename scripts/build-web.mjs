// Bundles the annotation app's frontend (web/src) into web/dist with esbuild. The browser code
// imports samkit's pure core modules directly, so this also checks they stay free of Node APIs.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const out = `${root}web/dist`;

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await esbuild.build({
  absWorkingDir: root,
  entryPoints: { app: 'web/src/main.ts', 'decoder-worker': 'web/src/decoder-worker.ts', 'image-side-worker': 'web/src/image-side-worker.ts', 'kernel-helper-worker': 'web/src/kernel-helper-worker.ts' },
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome111', 'firefox115', 'safari16.4'],
  // onnxruntime-web without its embedded glue: the wasm runtime is served from /ort/.
  conditions: ['onnxruntime-web-use-extern-wasm'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
await Promise.all(['index.html', 'styles.css'].map((f) => copyFile(`${root}web/${f}`, `${out}/${f}`)));
// The prompt-decoder kernel's two builds (committed, built by `npm run build:kernel`), fetched by the decoder worker.
for (const f of ['decoder-kernel.wasm', 'decoder-kernel-relaxed.wasm', 'decoder-kernel-relaxed-mt.wasm']) await copyFile(`${root}native/decoder-kernel/${f}`, `${out}/${f}`);
