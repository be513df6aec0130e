/**
 * The decoder graphs the server hands the page for hovering (the model layer's per-image /
 * per-prompt low-rank decoder) give what the full decoder gives for a one-point prompt, run the way
 * the page runs them (batch 1, two decoder points fixed).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import ort from 'onnxruntime-node';
import { interleaveLowResMasks } from '../../src/core/interleave.js';
import { createApp } from '../../src/server/app.js';
import type { ModelInfo } from '../../src/server/protocol.js';

let dir = '';
after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

test('the hover graphs reproduce the full decoder', async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'samkit-hover-'));
  const app = await createApp({ dataDir: path.join(dir, 'data'), embeddingsDir: path.join(dir, 'emb'), webRoot: dir });
  try {
    const get = async (url: string): Promise<Buffer> => {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, `${url}: ${res.body.slice(0, 200)}`);
      return res.rawPayload;
    };
    const info = JSON.parse((await get('/api/model')).toString()) as ModelInfo;
    assert.ok(info.hoverDecoder, 'the default model offers the split');
    const [full, image, prompt] = await Promise.all([
      ort.InferenceSession.create(await get(info.decoderUrl), { freeDimensionOverrides: { batch: 1 } }),
      ort.InferenceSession.create(await get(info.hoverDecoder.imageUrl)),
      ort.InferenceSession.create(await get(info.hoverDecoder.promptUrl), { freeDimensionOverrides: { batch: 1, num_points: 2 } }),
    ]);
    const emb = new Float32Array(256 * 64 * 64);
    let seed = 11;
    for (let i = 0; i < emb.length; i++) { seed = (seed * 1103515245 + 12345) >>> 0; emb[i] = (seed / 2 ** 32 - 0.5) * 0.6; }
    const embedding = new ort.Tensor('float32', emb, [1, 256, 64, 64]);
    const carried = await image.run({ image_embeddings: embedding });
    assert.deepEqual(Object.keys(carried).sort(), [...info.hoverDecoder.carried].sort());
    for (const [x, y] of [[512, 300], [10.5, 670.25], [1000, 5]]) {
      const points = {
        point_coords: new ort.Tensor('float32', new Float32Array([x, y, 0, 0]), [1, 2, 2]),
        point_labels: new ort.Tensor('float32', new Float32Array([1, -1]), [1, 2]),
      };
      const want = await full.run({
        ...points, image_embeddings: embedding,
        mask_input: new ort.Tensor('float32', new Float32Array(256 * 256), [1, 1, 256, 256]),
        has_mask_input: new ort.Tensor('float32', new Float32Array([0]), [1]),
      });
      const extent = (rows: number, cols: number) => ({ mask_extent: new ort.Tensor('int64', BigInt64Array.from([BigInt(rows), BigInt(cols)]), [2]) });
      const got = await prompt.run({ ...carried, ...points, ...extent(64, 64) });
      assert.ok(info.hoverDecoder.blockedMasks, 'the default model hovers with the low-rank decoder');
      const masks = interleaveLowResMasks(got.low_res_masks_blocked.data as Float32Array, 1, 4, 64);
      // Part of the grid (a landscape and a portrait image's footprint): the same logits there.
      for (const [rows, cols] of [[43, 64], [64, 21]]) {
        const part = await prompt.run({ ...carried, ...points, ...extent(rows, cols) });
        assert.deepEqual(part.low_res_masks_blocked.dims, [1, rows * cols, 16, 4]);
        const planes = interleaveLowResMasks(part.low_res_masks_blocked.data as Float32Array, 1, 4, 64, undefined, { rows, cols });
        let d = 0;
        for (let t = 0; t < 4; t++) for (let Y = 0; Y < 4 * rows; Y++) for (let X = 0; X < 4 * cols; X++) {
          const k = (t * 256 + Y) * 256 + X;
          d = Math.max(d, Math.abs(planes[k] - masks[k]));
        }
        assert.ok(d <= 1e-5, `extent ${rows}x${cols}: logits differ by ${d}`);
        assert.deepEqual(part.all_iou_predictions.data, got.all_iou_predictions.data);
      }
      for (const [name, b] of [['all_low_res_masks', masks], ['all_iou_predictions', got.all_iou_predictions.data as Float32Array]] as const) {
        const a = want[name].data as Float32Array;
        assert.equal(a.length, b.length);
        let d = 0, scale = 0;
        for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); scale = Math.max(scale, Math.abs(a[i])); }
        // the same function with a different float summation order
        assert.ok(d <= 2e-5 * Math.max(1, scale), `${name} at (${x}, ${y}) differs by ${d} (scale ${scale})`);
      }
    }
    await Promise.all([full, image, prompt].map((s) => s.release()));
  } finally {
    await app.close();
  }
});
