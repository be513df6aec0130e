import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ModelError } from '../../src/core/errors.js';
import { GraphBuilder } from '../../src/model/onnx-builder.js';
import { defaultModelManifest } from '../../src/model/resolve.js';
import { SamModel } from '../../src/model/sam-model.js';
import { describeModel } from '../../src/models/describe.js';
import { findPair } from '../../src/models/folder.js';
import { repackAsSamexporterEncoder } from '../../src/models/samexporter/repack.js';
import { DEFAULT_PREPROCESS } from '../../src/model/manifest.js';
import { SamPredictor } from '../../src/predictor.js';
import { discImage } from '../helpers/fixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'samkit-families-'));
const real = defaultModelManifest();
const cacheDir = path.join(dir, 'cache');

const image = discImage;

test('a samexporter-layout folder (input_image encoder, official decoder) gives the default model\'s masks exactly', async () => {
  const folder = path.join(dir, 'mobile-sam');
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'mobile_sam.encoder.onnx'), repackAsSamexporterEncoder(readFileSync(real.encoder.path!), DEFAULT_PREPROCESS));
  copyFileSync(real.decoder.path!, path.join(folder, 'sam_vit_h.decoder.onnx'));
  const [ours, theirs] = await Promise.all([SamPredictor.create(undefined, { cacheDir }), SamPredictor.create(folder, { cacheDir })]);
  assert.equal(ours.model.encoderFamily.id, 'sam-onnx');
  assert.equal(theirs.model.encoderFamily.id, 'samexporter');
  const img = image(400, 300);
  await Promise.all([ours.setImage(img), theirs.setImage(img)]);
  const a = ours.getImageEmbedding().data;
  const b = theirs.getImageEmbedding().data;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  assert.ok(maxDiff <= 1e-5, `embeddings differ by ${maxDiff}`);
  const prompt = { pointCoords: [[200, 150]] as [number, number][], pointLabels: [1] };
  const [pa, pb] = await Promise.all([ours.predict(prompt), theirs.predict(prompt)]);
  assert.deepEqual([...pb.scores].map((s) => s.toFixed(4)), [...pa.scores].map((s) => s.toFixed(4)));
  for (let m = 0; m < pa.masks.length; m++) {
    let diff = 0;
    for (let i = 0; i < pa.masks[m].data.length; i++) if (pa.masks[m].data[i] !== pb.masks[m].data[i]) diff++;
    assert.ok(diff <= 2, `mask ${m}: ${diff} pixels differ`);
  }
  await Promise.all([ours.model.close(), theirs.model.close()]);
  const d = await describeModel(folder);
  assert.deepEqual([d.encoder.family, d.decoder.family, d.supports], ['samexporter', 'sam-onnx', { points: true, boxes: true, maskInput: true, singleMask: true }]);
});

test('a folder picks the full-precision pair over quantized variants', async () => {
  const folder = path.join(dir, 'variants');
  mkdirSync(folder);
  for (const f of ['sam.encoder.quant.onnx', 'sam.encoder.onnx', 'sam.decoder.quant.onnx', 'sam.decoder.onnx']) writeFileSync(path.join(folder, f), '');
  const pair = await findPair(folder);
  assert.equal(path.basename(pair.encoder), 'sam.encoder.onnx');
  assert.equal(path.basename(pair.decoder), 'sam.decoder.onnx');
});

test('a transformers.js folder is found under onnx/ (prompt_encoder_mask_decoder is the decoder)', async () => {
  const folder = path.join(dir, 'hf');
  mkdirSync(path.join(folder, 'onnx'), { recursive: true });
  for (const f of ['vision_encoder_quantized.onnx', 'vision_encoder.onnx', 'prompt_encoder_mask_decoder.onnx']) writeFileSync(path.join(folder, 'onnx', f), '');
  const pair = await findPair(folder);
  assert.equal(path.basename(pair.encoder), 'vision_encoder.onnx');
  assert.equal(path.basename(pair.decoder), 'prompt_encoder_mask_decoder.onnx');
});

test('a folder with no pair names the files found, their I/O, and what each family expects', async () => {
  const folder = path.join(dir, 'nopair');
  mkdirSync(folder);
  const g = new GraphBuilder('x');
  g.output(g.o('Relu', [g.input('pixels', [1, 3, 8, 8])]), 'features', [1, 3, 8, 8]);
  writeFileSync(path.join(folder, 'model.onnx'), g.build());
  await assert.rejects(SamModel.load(folder, { cacheDir }), (e: unknown) => e instanceof ModelError
    && /model\.onnx \(inputs pixels \[1,3,8,8\] float32; outputs features/.test(e.message) && /samexporter: input input_image/.test(e.message) && /hf-sam:/.test(e.message));
});

test('a pair from two families is refused naming both (sam-onnx encoder, hf-sam decoder), and an encoder whose output does not fit the decoder is rejected', async () => {
  const hf = new GraphBuilder('hf');
  const pts = hf.input('input_points', [1, 1, 'n', 2]);
  hf.input('input_labels', [1, 1, 'n'], 'int64');
  hf.output(hf.o('Relu', [hf.input('image_embeddings', [1, 256, 64, 64])]), 'pred_masks', [1, 256, 64, 64]);
  hf.output(hf.o('Relu', [pts]), 'iou_scores', [1, 1, 'n', 2]);
  const hfDecoder = path.join(dir, 'hf.decoder.onnx');
  writeFileSync(hfDecoder, hf.build());
  await assert.rejects(SamModel.load({ ...real, id: 'hf-dec', decoder: { path: hfDecoder } }, { cacheDir }),
    (e: unknown) => e instanceof ModelError && /\(a sam-onnx encoder\) and .*hf\.decoder\.onnx \(a hf-sam decoder\) are from different model families/.test(e.message));

  const small = new GraphBuilder('enc');
  small.output(small.o('Relu', [small.input('input', [1, 3, 1024, 1024])]), 'emb', [1, 3, 1024, 1024]);
  const smallEncoder = path.join(dir, 'small.encoder.onnx');
  writeFileSync(smallEncoder, small.build());
  await assert.rejects(SamModel.load({ ...real, id: 'misfit', encoder: { path: smallEncoder } }, { cacheDir }),
    (e: unknown) => e instanceof ModelError && /does not fit the encoder/.test(e.message));
});
