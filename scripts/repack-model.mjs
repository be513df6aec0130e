#!/usr/bin/env node
// Re-pack the default weights (or a given official encoder/decoder pair) in another family's layout,
// to test loaders with exact parity: `node scripts/repack-model.mjs hf-sam|samexporter OUT_DIR [ENCODER DECODER]`.
// Needs the build (npm run build).
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { defaultModelManifest } from '../dist/src/model/resolve.js';
import { writeHfSamFolder } from '../dist/src/models/hf-sam/write-folder.js';
import { repackAsSamexporterEncoder } from '../dist/src/models/samexporter/repack.js';
import { DEFAULT_PREPROCESS } from '../dist/src/model/manifest.js';

const [layout, out, encArg, decArg] = process.argv.slice(2);
if (!out || !['hf-sam', 'samexporter'].includes(layout)) {
  console.error('usage: repack-model.mjs hf-sam|samexporter OUT_DIR [ENCODER DECODER]');
  process.exit(2);
}
const real = defaultModelManifest();
const encoder = encArg ?? real.encoder.path;
const decoder = decArg ?? real.decoder.path;
if (layout === 'hf-sam') {
  console.log((await writeHfSamFolder(encoder, decoder, out)).map((f) => path.join(out, f)).join('\n'));
} else {
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'sam.encoder.onnx'), repackAsSamexporterEncoder(new Uint8Array(await readFile(encoder)), DEFAULT_PREPROCESS));
  await copyFile(decoder, path.join(out, 'sam.decoder.onnx'));
  console.log(`${path.join(out, 'sam.encoder.onnx')}\n${path.join(out, 'sam.decoder.onnx')}`);
}
