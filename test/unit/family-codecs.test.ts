/**
 * The generic path's codecs (src/models/*\/codec.ts), run on a recording stand-in for the graph: the
 * feeds each family's decoder gets, the outputs asked for, and the prompts refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidPromptError } from '../../src/core/errors.js';
import { encodePrompts, type Prompt } from '../../src/core/prompt.js';
import { codecFor } from '../../src/models/codecs.js';
import { lacking } from '../../src/models/describe.js';
import type { TensorLike } from '../../src/models/family.js';
import type { FeedSpec, RunGraph } from '../../src/models/prompt-codec.js';

const SIZE = { width: 1024, height: 768 };

function recorder(masks: string, iou: string): { run: RunGraph; calls: Array<{ feeds: Record<string, FeedSpec>; outputs: readonly string[] }> } {
  const calls: Array<{ feeds: Record<string, FeedSpec>; outputs: readonly string[] }> = [];
  const run: RunGraph = async (feeds, outputs) => {
    calls.push({ feeds, outputs });
    const p = (feeds.point_coords ?? feeds.input_points).dims.at(-3)!;
    const out: Record<string, TensorLike> = {
      [masks]: { data: new Float32Array(p * 3 * 4), dims: [p, 3, 2, 2], type: 'float32' },
      [iou]: { data: new Float32Array(p * 3), dims: [p, 3], type: 'float32' },
    };
    return out;
  };
  return { run, calls };
}

const enc = (prompts: Prompt[]) => encodePrompts(prompts, SIZE, 1024, 256);

test('hf-sam with input_boxes: every prompt needs a box (said by supports, lacking and the error); the box goes to input_boxes', async () => {
  const codec = codecFor('hf-sam', ['input_points', 'input_labels', 'input_boxes', 'image_embeddings', 'image_positional_embeddings'], 256, 'dec.onnx')!;
  assert.deepEqual(codec.supports, { points: true, boxes: true, maskInput: false, singleMask: false, boxRequired: true });
  assert.ok(lacking(codec.supports).some((l) => /without a box/.test(l)));
  const { run, calls } = recorder('pred_masks', 'iou_scores');
  await assert.rejects(codec.decode(enc([{ pointCoords: [[10, 20]], pointLabels: [1] }]), run), (e: unknown) => e instanceof InvalidPromptError && /input_boxes with every prompt/.test(e.message));
  await codec.decode(enc([{ pointCoords: [[10, 20]], pointLabels: [0], box: [100, 200, 300, 400] }]), run);
  const { feeds, outputs } = calls[0];
  assert.deepEqual(outputs, ['iou_scores', 'pred_masks']);
  assert.deepEqual([feeds.input_points.dims, [...feeds.input_points.data]], [[1, 1, 1, 2], [10, 20]]);
  assert.deepEqual([feeds.input_labels.dims, [...feeds.input_labels.data]], [[1, 1, 1], [0n]]);
  assert.deepEqual([feeds.input_boxes.dims, [...feeds.input_boxes.data]], [[1, 1, 4], [100, 200, 300, 400]]);
  const plain = codecFor('hf-sam', ['input_points', 'input_labels', 'image_embeddings', 'image_positional_embeddings'], 256, 'dec.onnx')!;
  assert.equal(plain.supports.boxRequired, undefined);
  assert.ok(!lacking(plain.supports).some((l) => /without a box/.test(l)));
});

test('sam2-samexporter: the padding point dropped, a reused zero mask input when there is none, only masks and scores fetched', async () => {
  const codec = codecFor('sam2-samexporter', ['image_embed', 'high_res_feats_0', 'high_res_feats_1', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input'], 256, 'dec.onnx')!;
  const { run, calls } = recorder('masks', 'iou_predictions');
  await codec.decode(enc([{ pointCoords: [[10, 20]], pointLabels: [1] }]), run);
  await codec.decode(enc([{ pointCoords: [[30, 40]], pointLabels: [1] }]), run);
  assert.deepEqual(calls[0].outputs, ['masks', 'iou_predictions']);
  assert.deepEqual([calls[0].feeds.point_labels.dims, [...calls[0].feeds.point_labels.data]], [[1, 1], [1]]);
  assert.equal(calls[0].feeds.mask_input.data.buffer, calls[1].feeds.mask_input.data.buffer, 'the zero mask input is reused');
  assert.deepEqual([...calls[1].feeds.has_mask_input.data], [0]);
  const maskInput = new Float32Array(256 * 256).fill(1);
  await codec.decode(enc([{ pointCoords: [[30, 40]], pointLabels: [1], maskInput }]), run);
  assert.deepEqual([...calls[2].feeds.has_mask_input.data], [1]);
  assert.ok((calls[2].feeds.mask_input.data as Float32Array).every((v) => v === 1));
});

test('sam2-hf: object_score_logits is never fetched; boxes without points run one prompt at a time', async () => {
  const codec = codecFor('sam2-hf', ['image_embeddings.0', 'image_embeddings.1', 'image_embeddings.2', 'input_points', 'input_labels', 'input_boxes'], 256, 'dec.onnx')!;
  const { run, calls } = recorder('pred_masks', 'iou_scores');
  const out = await codec.decode(enc([{ pointCoords: [[1, 2]], pointLabels: [1], box: [0, 0, 10, 10] }, { pointCoords: [[3, 4]], pointLabels: [1], box: [5, 5, 20, 20] }]), run);
  assert.equal(calls.length, 2);
  assert.deepEqual(calls[0].outputs, ['iou_scores', 'pred_masks']);
  assert.deepEqual([out.batch, out.tokens, out.multimaskOnly], [2, 3, true]);
  await assert.rejects(codec.decode({ ...enc([{ pointCoords: [[1, 2]], pointLabels: [1] }]), hasMaskInput: true }, run), (e: unknown) => e instanceof InvalidPromptError && /no mask input/.test(e.message));
});
