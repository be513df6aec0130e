import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import onnxproto from 'onnx-proto';
import { ModelError } from '../../src/core/errors.js';
import { ALL_IOU_OUTPUT, ALL_MASKS_OUTPUT, rewriteDecoder } from '../../src/model/decoder-graph.js';
import { defaultModelManifest } from '../../src/model/resolve.js';

const decoderPath = defaultModelManifest().decoder.path!;

test('rewrite exposes all four tokens, prunes the upsampling and orig_im_size', async () => {
  const source = readFileSync(decoderPath);
  const { bytes, info } = rewriteDecoder(source);
  assert.equal(info.cutSelection, true);
  assert.ok(info.nodesAfter < info.nodesBefore);
  const model = onnxproto.onnx.ModelProto.decode(bytes);
  assert.deepEqual(model.graph!.output!.map((o) => o.name), [ALL_MASKS_OUTPUT, ALL_IOU_OUTPUT]);
  assert.ok(!model.graph!.input!.some((i) => i.name === 'orig_im_size'));
  assert.ok(!model.graph!.node!.some((n) => n.opType === 'Resize'), 'no upsampling left');
  assert.equal(model.graph!.input!.find((i) => i.name === 'point_coords')!.type!.tensorType!.shape!.dim![0].dimParam, 'batch');
});

test('token 0 of the rewrite equals the shipped graph output when it picks the single-mask token', async () => {
  const opts = { intraOpNumThreads: 1 };
  const original = await ort.InferenceSession.create(decoderPath, opts);
  const rewritten = await ort.InferenceSession.create(rewriteDecoder(readFileSync(decoderPath)).bytes, opts);
  let s = 1;
  const emb = new Float32Array(256 * 64 * 64).map(() => { s = (s * 16807) % 2147483647; return (s / 2147483647 - 0.5) * 0.5; });
  // Three points: the shipped graph's selection rule then returns token 0.
  const feeds = {
    image_embeddings: new ort.Tensor('float32', emb, [1, 256, 64, 64]),
    point_coords: new ort.Tensor('float32', new Float32Array([300, 200, 500, 400, 0, 0]), [1, 3, 2]),
    point_labels: new ort.Tensor('float32', new Float32Array([1, 1, -1]), [1, 3]),
    mask_input: new ort.Tensor('float32', new Float32Array(256 * 256), [1, 1, 256, 256]),
    has_mask_input: new ort.Tensor('float32', new Float32Array([0]), [1]),
  };
  const a = await original.run({ ...feeds, orig_im_size: new ort.Tensor('float32', new Float32Array([600, 800]), [2]) });
  const b = await rewritten.run(feeds);
  assert.deepEqual(b[ALL_MASKS_OUTPUT].dims, [1, 4, 256, 256]);
  const low = a.low_res_masks.data as Float32Array;
  const all = b[ALL_MASKS_OUTPUT].data as Float32Array;
  let maxErr = 0;
  for (let i = 0; i < low.length; i++) maxErr = Math.max(maxErr, Math.abs(low[i] - all[i]));
  assert.ok(maxErr < 1e-4, `token 0 differs by ${maxErr}`);
  assert.ok(Math.abs((a.iou_predictions.data as Float32Array)[0] - (b[ALL_IOU_OUTPUT].data as Float32Array)[0]) < 1e-5);
  // Batched prompts give the same answer as one at a time.
  const two = await rewritten.run({
    ...feeds,
    point_coords: new ort.Tensor('float32', new Float32Array([300, 200, 500, 400, 0, 0, 300, 200, 500, 400, 0, 0]), [2, 3, 2]),
    point_labels: new ort.Tensor('float32', new Float32Array([1, 1, -1, 1, 1, -1]), [2, 3]),
    mask_input: new ort.Tensor('float32', new Float32Array(2 * 256 * 256), [2, 1, 256, 256]),
  });
  const both = two[ALL_MASKS_OUTPUT].data as Float32Array;
  let batchErr = 0;
  for (let i = 0; i < all.length; i++) batchErr = Math.max(batchErr, Math.abs(both[all.length + i] - all[i]));
  assert.ok(batchErr < 1e-4, `batch element differs by ${batchErr}`);
});

test('bytes that are not a SAM decoder give a ModelError naming the file', () => {
  assert.throws(() => rewriteDecoder(new Uint8Array([1, 2, 3, 4, 5]), 'junk.onnx'), (e: unknown) => e instanceof ModelError && /junk\.onnx/.test((e as Error).message));
  const encoderBytes = readFileSync(defaultModelManifest().encoder.path!);
  assert.throws(() => rewriteDecoder(encoderBytes, 'encoder.onnx'), /encoder\.onnx is not a SAM decoder: missing input/);
});

test('the low-rank decoder builder rejects a graph without the official layout', async () => {
  const { buildLowRankDecoder } = await import('../../src/model/lowrank-decoder.js');
  const model = onnxproto.onnx.ModelProto.decode(readFileSync(decoderPath));
  model.graph!.node = model.graph!.node!.filter((n) => !n.name?.includes('final_attn_token_to_image/k_proj'));
  const bytes = onnxproto.onnx.ModelProto.encode(model).finish();
  assert.throws(() => buildLowRankDecoder(bytes, 'edited.onnx'), (e: unknown) => e instanceof ModelError && /edited\.onnx: not the official SAM decoder export layout/.test((e as Error).message));
});
