/**
 * The embedding endpoint for model families whose decoder takes more image-side inputs than the
 * embedding (src/server/embedding-body.ts): SAM 2's high-resolution features follow the embedding,
 * named in x-image-inputs, and the page splits them back (web/src/api.ts splitEmbeddingBody). A
 * stored embedding lacks them, so the server encodes again rather than send it alone.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { SamPredictor } from '../../src/predictor.js';
import { createApp } from '../../src/server/app.js';
import type { ModelInfo } from '../../src/server/protocol.js';
import { splitEmbeddingBody } from '../../web/src/api.js';
import { writeSam2Folder } from '../helpers/sam2-synthetic.js';

const dir = mkdtempSync(path.join(tmpdir(), 'samkit-famemb-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const cacheDir = path.join(dir, 'cache');
const [W, H] = [320, 240];

function image(): Uint8Array {
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251;
  return data;
}

test('SAM 2: the embedding endpoint sends the high-resolution features after the embedding, also for a stored embedding', async () => {
  const folder = await writeSam2Folder(path.join(dir, 'sam2'), 'samexporter');
  const png = await sharp(Buffer.from(image()), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
  const predictor = await SamPredictor.create(folder, { cacheDir });
  await predictor.setImage({ data: image(), width: W, height: H });
  const expected = await predictor.model.imageInputs(predictor.getImageEmbedding().data);
  assert.ok(expected);
  for (const round of ['computed', 'stored'] as const) {
    // The second app starts on the first one's embedding store.
    const app = await createApp({ dataDir: path.join(dir, 'data'), embeddingsDir: path.join(dir, 'emb'), webRoot: dir, model: folder, modelOptions: { cacheDir } });
    try {
      const info = (await app.inject({ method: 'GET', url: '/api/model', headers: { host: '127.0.0.1' } })).json() as ModelInfo;
      assert.deepEqual([info.decoderFamily, info.supports], ['sam2-samexporter', { points: true, boxes: true, maskInput: true, singleMask: false }]);
      const up = await app.inject({ method: 'POST', url: '/api/images', headers: { host: '127.0.0.1', 'content-type': 'image/png' }, payload: png });
      const id = (up.json() as { image: { id: string } }).image.id;
      const res = await app.inject({ method: 'GET', url: `/api/images/${id}/embedding`, headers: { host: '127.0.0.1' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['x-image-inputs'], 'high_res_feats_0=1x32x256x256,high_res_feats_1=1x64x128x128', round);
      const body = new Float32Array(res.rawPayload.buffer.slice(res.rawPayload.byteOffset, res.rawPayload.byteOffset + res.rawPayload.length));
      const parts = splitEmbeddingBody(body, String(res.headers['x-embedding-shape']).split(',').map(Number), String(res.headers['x-image-inputs']));
      assert.ok(parts, 'the body splits into the announced tensors');
      assert.deepEqual([...parts.data.subarray(0, 50)], [...predictor.getImageEmbedding().data.subarray(0, 50)]);
      for (const name of ['high_res_feats_0', 'high_res_feats_1']) {
        assert.deepEqual(parts.imageInputs[name].dims, [...expected[name].dims]);
        assert.ok(parts.imageInputs[name].data.every((v, i) => v === (expected[name].data as Float32Array)[i]), `${name} (${round}) is the encoder's output`);
      }
    } finally {
      await app.close();
    }
  }
  await predictor.model.close();
});

test('the page refuses an embedding body whose size does not match its header', () => {
  const body = new Float32Array(4 + 6);
  assert.ok(splitEmbeddingBody(body, [1, 4], 'a=2x3'));
  assert.equal(splitEmbeddingBody(body, [1, 4], 'a=2x2'), null);
  assert.equal(splitEmbeddingBody(body, [1, 4], null), null);
  assert.equal(splitEmbeddingBody(body, [1, 4], 'a=2x4'), null);
  assert.deepEqual(splitEmbeddingBody(new Float32Array(4), [1, 4], null)?.imageInputs, {});
});
