/**
 * SAM 2 in both contracts, on tiny synthetic models (test/helpers/sam2-synthetic.ts): recognised
 * from the graphs, the image stretched to the input size, prompts encoded as each export wants
 * (no padding point from samkit, boxes as corners or input_boxes), masks post-processed back to the
 * original size; the predictor, the automatic mask generator and the server's decode endpoint run.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { InvalidArgumentError, InvalidPromptError } from '../../src/core/errors.js';
import { SamAutomaticMaskGenerator } from '../../src/amg/generator.js';
import { describeModel } from '../../src/models/describe.js';
import { SamPredictor } from '../../src/predictor.js';
import { createApp } from '../../src/server/app.js';
import { RADII, writeSam2Folder } from '../helpers/sam2-synthetic.js';

const dir = mkdtempSync(path.join(tmpdir(), 'samkit-sam2-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const cacheDir = path.join(dir, 'cache');
const W = 400;
const H = 300;

function image(): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 256;
  return { data, width: W, height: H };
}

for (const contract of ['samexporter', 'hf'] as const) {
  const id = contract === 'samexporter' ? 'sam2-samexporter' : 'sam2-hf';
  const folder = writeSam2Folder(path.join(dir, contract), contract);

  test(`${id}: recognised from the graphs, stretched preprocessing, what it supports`, async () => {
    const p = await SamPredictor.create(await folder, { cacheDir });
    assert.equal(p.model.encoderFamily.id, id);
    assert.equal(p.model.decoderFamily, id);
    assert.equal(p.model.preprocess.resize, 'stretch');
    assert.deepEqual(p.model.supports, { points: true, boxes: true, maskInput: contract === 'samexporter', singleMask: false });
    const d = await describeModel(await folder);
    assert.deepEqual([d.encoder.family, d.decoder.family], [id, id]);
    // `samkit models` says what the loaded model supports, and what it lacks in words.
    assert.deepEqual(d.supports, p.model.supports);
    assert.deepEqual(d.lacks.map((l) => l.split(' ')[0]), contract === 'samexporter' ? ['single-mask'] : ['a', 'single-mask']);
  });

  test(`${id}: a point's masks are the discs around it, stretched back to the image; scores show no padding point`, async () => {
    const p = await SamPredictor.create(await folder, { cacheDir });
    await p.setImage(image());
    assert.deepEqual(p.inputSize, { width: 1024, height: 1024 });
    const [x, y] = [100, 150];
    const r = await p.predict({ pointCoords: [[x, y]], pointLabels: [1] });
    assert.equal(r.masks.length, 3);
    RADII.forEach((radius, k) => {
      // The disc's radius in original pixels differs per axis: the image was stretched (400 -> 1024, 300 -> 1024).
      const rx = (radius * W) / 1024;
      const ry = (radius * H) / 1024;
      const at = (px: number, py: number) => r.masks[k].data[Math.round(py) * W + Math.round(px)];
      assert.equal(at(x, y), 1, `mask ${k} at the point`);
      assert.equal(at(x + 0.8 * rx, y), 1, `mask ${k} inside horizontally`);
      assert.equal(at(x, y + 0.8 * ry), 1, `mask ${k} inside vertically`);
      if (y + 1.2 * ry < H) assert.equal(at(x, y + 1.2 * ry), 0, `mask ${k} outside vertically`);
      if (x + 1.2 * rx < W) assert.equal(at(x + 1.2 * rx, y), 0, `mask ${k} outside horizontally`);
    });
    // Scores are mean(features) + (k+1)/10 (+100 for every padding point sent): samkit sends none.
    assert.ok(r.scores[0] < 50, `score ${r.scores[0]}`);
    assert.ok(Math.abs(r.scores[1] - r.scores[0] - 0.1) < 1e-4 && Math.abs(r.scores[2] - r.scores[0] - 0.2) < 1e-4);
    // A box: corners labelled 2 and 3 (samexporter) or input_boxes (transformers.js), scaled as the points.
    const withBox = await p.predict({ pointCoords: [[x, y]], pointLabels: [1], box: [50, 50, 200, 200] });
    const boxSum = ((50 + 200) * 1024) / W + ((50 + 200) * 1024) / H;
    const expected = contract === 'samexporter' ? 30 : boxSum / 1000;
    assert.ok(Math.abs(withBox.scores[0] - r.scores[0] - expected) < 1e-3, `box score offset ${withBox.scores[0] - r.scores[0]}, expected ${expected}`);
    await assert.rejects(p.predict({ pointCoords: [[x, y]], pointLabels: [1], multimaskOutput: false }), (e: unknown) => e instanceof InvalidPromptError && new RegExp(`${id} decoder returns only the 3 multimask`).test(e.message));
    const maskInput = new Float32Array(256 * 256).fill(1000);
    if (contract === 'samexporter') {
      const refined = await p.predict({ pointCoords: [[x, y]], pointLabels: [1], maskInput });
      assert.ok(refined.masks.every((m) => m.data.every((v) => v === 1)), 'the mask input reaches the decoder');
    } else {
      await assert.rejects(p.predict({ pointCoords: [[x, y]], pointLabels: [1], maskInput }), (e: unknown) => e instanceof InvalidPromptError && /no mask_input/.test(e.message));
    }
    // An embedding alone lacks the high-resolution features.
    const q = await SamPredictor.create(await folder, { cacheDir });
    q.setImageEmbedding(p.getImageEmbedding());
    await assert.rejects(q.predict({ pointCoords: [[x, y]], pointLabels: [1] }), (e: unknown) => e instanceof InvalidArgumentError && /high-resolution features/.test(e.message));
  });

  test(`${id}: the automatic mask generator runs (records are the discs around grid points)`, async () => {
    const p = await SamPredictor.create(await folder, { cacheDir });
    const records = await new SamAutomaticMaskGenerator(p.model, { pointsPerSide: 3, predIouThresh: 0, outputMode: 'binary_mask' }).generate(image());
    assert.ok(records.length > 0);
    for (const r of records) {
      // Every disc is centred on a grid point (x = 400 (i + 0.5) / 3); its box lies around it.
      const cx = r.point_coords[0][0];
      const cy = r.point_coords[0][1];
      const [bx, by, bw, bh] = r.bbox;
      assert.ok(bx <= cx && cx <= bx + bw && by <= cy && cy <= by + bh, `record box ${r.bbox} around ${cx},${cy}`);
    }
  });

  test(`${id}: the server answers hover decodes with the multimask candidates`, async () => {
    const app = await createApp({ dataDir: path.join(dir, `data-${contract}`), embeddingsDir: path.join(dir, `emb-${contract}`), webRoot: dir, model: await folder, modelOptions: { cacheDir } });
    try {
      const png = await sharp(Buffer.from(image().data), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
      const up = await app.inject({ method: 'POST', url: '/api/images', headers: { host: '127.0.0.1', 'content-type': 'image/png' }, payload: png });
      assert.ok(up.statusCode < 300, up.body);
      const imageId = (up.json() as { image: { id: string } }).image.id;
      const res = await app.inject({ method: 'POST', url: `/api/images/${imageId}/decode`, headers: { host: '127.0.0.1' }, payload: { points: [100, 150], labels: [1], box: null, token: 'auto' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['x-decode-tokens'], '3');
      assert.equal(res.headers['x-decode-multimask-only'], '1');
      // 'auto' on the multimask-only decoder: the best-scoring candidate, the largest disc here.
      assert.equal(res.headers['x-decode-planes'], '2');
      const rows = Number(res.headers['x-mask-rows']);
      assert.equal(rows, 256, 'a stretched image covers every low-res row');
      const body = new Float32Array(res.rawPayload.buffer.slice(res.rawPayload.byteOffset, res.rawPayload.byteOffset + res.rawPayload.length));
      // The point's low-res cell (100 / 400 * 256, 150 / 300 * 256) holds the largest radius minus < 3 px.
      const cell = Math.floor((150 / H) * 256) * 256 + Math.floor((100 / W) * 256);
      assert.ok(Math.abs(body[3 + cell] - RADII[2]) < 3, `logit ${body[3 + cell]}`);
    } finally {
      await app.close();
    }
  });
}
