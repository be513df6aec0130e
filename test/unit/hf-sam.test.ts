import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvalidPromptError } from '../../src/core/errors.js';
import { preprocessImage } from '../../src/core/transforms.js';
import { SamAutomaticMaskGenerator } from '../../src/amg/generator.js';
import { defaultModelManifest } from '../../src/model/resolve.js';
import { describeModel } from '../../src/models/describe.js';
import { toHfPrompts } from '../../src/models/hf-sam/codec.js';
import { writeHfSamFolder } from '../../src/models/hf-sam/write-folder.js';
import { fileIO } from '../../src/models/graph-io.js';
import { SamPredictor } from '../../src/predictor.js';
import { rleToMask, type Rle } from '../../src/core/rle.js';
import { bufferIou, HAS_REFERENCE, NO_REFERENCE_MESSAGE, readFixture, referenceImage } from '../helpers/reference.js';
import { discImage } from '../helpers/fixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'samkit-hfsam-'));
const cacheDir = path.join(dir, 'cache');
const real = defaultModelManifest();
const folder = path.join(dir, 'sam-vit-hf');
const ready = writeHfSamFolder(real.encoder.path!, real.decoder.path!, folder);

const image = discImage;

const predictors = ready.then(() => Promise.all([SamPredictor.create(undefined, { cacheDir }), SamPredictor.create(folder, { cacheDir })]));
const img = image(400, 300);
const imageSet = predictors.then(([a, b]) => Promise.all([a.setImage(img), b.setImage(img)]));

test('the repacked folder has the transformers.js layout: file names, I/O names, dtypes and shapes', async () => {
  await ready;
  const enc = await fileIO(path.join(folder, 'onnx', 'vision_encoder.onnx'));
  const dec = await fileIO(path.join(folder, 'onnx', 'prompt_encoder_mask_decoder.onnx'));
  assert.deepEqual(enc.inputs.map((i) => i.name), ['pixel_values']);
  assert.deepEqual(enc.outputs.map((o) => o.name), ['image_embeddings', 'image_positional_embeddings']);
  assert.deepEqual(dec.inputs.map((i) => [i.name, i.type, i.shape?.length]), [
    ['input_points', 'float32', 4], ['input_labels', 'int64', 3], ['image_embeddings', 'float32', 4], ['image_positional_embeddings', 'float32', 4]]);
  assert.deepEqual(dec.outputs.map((o) => [o.name, o.shape?.slice(2)]), [['iou_scores', [3]], ['pred_masks', [3, 256, 256]]]);
  const pre = JSON.parse(readFileSync(path.join(folder, 'preprocessor_config.json'), 'utf8'));
  assert.deepEqual(pre.image_mean, [0.485, 0.456, 0.406]);
  assert.equal(JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8')).model_type, 'sam');
  const d = await describeModel(folder);
  assert.deepEqual([d.encoder.family, d.decoder.family, d.supports], ['hf-sam', 'hf-sam', { points: true, boxes: false, maskInput: false, singleMask: false }]);
  assert.deepEqual(d.lacks, ['box prompts (no input_boxes or corner points)', 'a mask input (no refining from a previous mask)', 'single-mask output (only the 3 multimask candidates)']);
});

test('prompts become input_points / input_labels without samkit\'s padding point; boxes go to input_boxes', () => {
  const enc = { batch: 2, numPoints: 3, pointCoords: new Float32Array([1, 2, 3, 4, 0, 0, 5, 6, 7, 8, 0, 0]), pointLabels: new Float32Array([1, 0, -1, 1, 1, -1]), maskInput: new Float32Array(0), hasMaskInput: false };
  const hf = toHfPrompts(enc);
  assert.deepEqual([hf.batch, hf.numPoints, [...hf.points], [...hf.labels], hf.boxes], [2, 2, [1, 2, 3, 4, 5, 6, 7, 8], [1n, 0n, 1n, 1n], null]);
  const boxed = toHfPrompts({ ...enc, batch: 1, numPoints: 3, pointCoords: new Float32Array([9, 9, 1, 2, 30, 40]), pointLabels: new Float32Array([0, 2, 3]) });
  assert.deepEqual([boxed.numPoints, [...boxed.points], [...boxed.labels], [...boxed.boxes!]], [1, [9, 9], [0n], [1, 2, 30, 40]]);
});

test('loaded through SamPredictor, the hf-sam folder gives the default model\'s embeddings, masks and scores', async () => {
  const [ours, theirs] = await predictors;
  await imageSet;
  assert.equal(theirs.model.encoderFamily.id, 'hf-sam');
  assert.equal(theirs.model.decoderFamily, 'hf-sam');
  const a = ours.getImageEmbedding().data;
  const b = theirs.getImageEmbedding().data;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  assert.ok(maxDiff <= 1e-5, `embeddings differ by ${maxDiff}`);
  for (const prompt of [
    { pointCoords: [[200, 150]] as [number, number][], pointLabels: [1] },
    { pointCoords: [[200, 150], [60, 40]] as [number, number][], pointLabels: [1, 0] },
    { pointCoords: [[10, 290], [390, 10], [220, 160]] as [number, number][], pointLabels: [0, 0, 1] },
  ]) {
    const [pa, pb] = [await ours.predict(prompt), await theirs.predict(prompt)];
    assert.equal(pb.masks.length, 3);
    for (let m = 0; m < 3; m++) {
      assert.ok(Math.abs(pa.scores[m] - pb.scores[m]) < 1e-4, `score ${m}: ${pa.scores[m]} vs ${pb.scores[m]}`);
      let diff = 0;
      for (let i = 0; i < pa.masks[m].data.length; i++) if (pa.masks[m].data[i] !== pb.masks[m].data[i]) diff++;
      assert.ok(diff <= 2, `mask ${m}: ${diff} pixels differ`);
    }
  }
  // Batches of prompts run as one point batch.
  const batch = [{ pointCoords: [[200, 150]] as [number, number][], pointLabels: [1] }, { pointCoords: [[30, 30]] as [number, number][], pointLabels: [1] }];
  const [ba, bb] = [await ours.predictBatch(batch), await theirs.predictBatch(batch)];
  for (let k = 0; k < 2; k++) assert.deepEqual([...bb[k].scores].map((s) => s.toFixed(4)), [...ba[k].scores].map((s) => s.toFixed(4)));
});

test('an embedding set from elsewhere decodes too (the positional encoding comes from a blank encode)', async () => {
  const [ours] = await predictors;
  await imageSet;
  const fresh = await SamPredictor.create(folder, { cacheDir });
  fresh.setImageEmbedding(ours.getImageEmbedding());
  const prompt = { pointCoords: [[200, 150]] as [number, number][], pointLabels: [1] };
  const [pa, pb] = [await ours.predict(prompt), await fresh.predict(prompt)];
  assert.deepEqual([...pb.scores].map((s) => s.toFixed(4)), [...pa.scores].map((s) => s.toFixed(4)));
});

test('prompts the transformers.js export cannot take are refused by name: single mask, mask input, boxes', async () => {
  const [, theirs] = await predictors;
  await imageSet;
  const p = { pointCoords: [[200, 150]] as [number, number][], pointLabels: [1] };
  await assert.rejects(theirs.predict({ ...p, multimaskOutput: false }), (e: unknown) => e instanceof InvalidPromptError && /hf-sam decoder returns only the 3 multimask/.test(e.message));
  await assert.rejects(theirs.predict({ ...p, maskInput: new Float32Array(256 * 256) }), (e: unknown) => e instanceof InvalidPromptError && /no mask_input/.test(e.message));
  await assert.rejects(theirs.predict({ box: [10, 10, 200, 200] }), (e: unknown) => e instanceof InvalidPromptError && /takes no boxes/.test(e.message));
});

test('the automatic mask generator gives the same records on the hf-sam folder', async () => {
  const [ours, theirs] = await predictors;
  const opts = { pointsPerSide: 6, outputMode: 'coco_rle' as const };
  const [ra, rb] = [await new SamAutomaticMaskGenerator(ours.model, opts).generate(img), await new SamAutomaticMaskGenerator(theirs.model, opts).generate(img)];
  assert.ok(ra.length > 0);
  assert.equal(rb.length, ra.length);
  ra.forEach((r, i) => {
    assert.deepEqual(rb[i].bbox, r.bbox);
    assert.equal(rb[i].area, r.area);
    assert.deepEqual(rb[i].segmentation, r.segmentation);
    assert.ok(Math.abs(rb[i].predicted_iou - r.predicted_iou) < 1e-4);
  });
});

test('transformers.js itself runs the repacked folder and agrees with samkit on the same pixel values', async (t) => {
  const tjs = await import('@huggingface/transformers').catch(() => null);
  if (!tjs) { t.skip('@huggingface/transformers is not installed'); return; }
  await ready;
  const [, theirs] = await predictors;
  await imageSet;
  tjs.env.allowRemoteModels = false;
  tjs.env.localModelPath = `${dir}${path.sep}`;
  const model = await tjs.SamModel.from_pretrained(path.basename(folder), { dtype: 'fp32' });
  const { tensor, resized } = preprocessImage(img.data, { width: img.width, height: img.height }, theirs.model.preprocess);
  const scale = resized.width / img.width;
  const out = await model({
    pixel_values: new tjs.Tensor('float32', tensor, [1, 3, 1024, 1024]),
    input_points: new tjs.Tensor('float32', new Float32Array([200 * scale, 150 * scale]), [1, 1, 1, 2]),
    input_labels: new tjs.Tensor('int64', new BigInt64Array([1n]), [1, 1, 1]),
  });
  const ourScores = (await theirs.predict({ pointCoords: [[200, 150]], pointLabels: [1] })).scores;
  assert.deepEqual([...(out.iou_scores.data as Float32Array)].map((s) => s.toFixed(4)), [...ourScores].map((s) => s.toFixed(4)));
  assert.deepEqual(out.pred_masks.dims, [1, 1, 3, 256, 256]);
});

test('parity with the official predictor on the reference fixtures\' multimask point prompts', async (t) => {
  if (!HAS_REFERENCE) { t.skip(NO_REFERENCE_MESSAGE); return; }
  const [, theirs] = await predictors;
  const ious: number[] = [];
  for (const name of ['truck', 'dogs']) {
    const fixture = readFixture<{ cases: Array<{ id: string; prompt: Record<string, unknown>; masks: Rle[]; scores: number[] }> }>(`predictor_${name}.json`);
    await theirs.setImage(referenceImage(name));
    for (const c of fixture.cases) {
      const p = c.prompt as { point_coords?: [number, number][]; point_labels?: number[]; box?: unknown; mask_input?: unknown; multimask_output?: boolean };
      if (!p.multimask_output || p.box || p.mask_input || !p.point_coords) continue;
      const r = await theirs.predict({ pointCoords: p.point_coords, pointLabels: p.point_labels });
      c.masks.forEach((rle, k) => {
        ious.push(bufferIou(rleToMask(rle).data, r.masks[k].data));
        assert.ok(Math.abs(r.scores[k] - c.scores[k]) <= 0.005, `${name}/${c.id}[${k}] score ${r.scores[k]} vs ${c.scores[k]}`);
      });
    }
  }
  assert.ok(ious.length >= 6, `${ious.length} masks compared`);
  const mean = ious.reduce((s, x) => s + x, 0) / ious.length;
  assert.ok(mean >= 0.995 && Math.min(...ious) >= 0.98, `mean IoU ${mean}, min ${Math.min(...ious)}`);
});
