/**
 * Feeding a transformers.js SAM prompt_encoder_mask_decoder (pure, shared by the library and the
 * page): samkit's encoded prompts (official layout: model-input pixels, a padding point labelled -1
 * when there is no box, box corners labelled 2 and 3) become input_points [1, P, N, 2] and
 * input_labels int64 [1, P, N], one point batch entry per prompt. The graph appends its own padding
 * point (HF's SamPromptEncoder does without boxes), so samkit's is dropped; a box goes to
 * input_boxes [1, P, 4] where the graph has that input. Outputs are the three multimask candidates
 * (no single-mask token, no mask input).
 */
import { InvalidPromptError } from '../../core/errors.js';
import type { EncodedPrompts } from '../../core/prompt.js';
import { readMasks, type FeedSpec, type PromptCodec } from '../prompt-codec.js';

/** Points and labels of a batch in the transformers.js layout, without samkit's padding point. */
export interface HfPrompts {
  points: Float32Array;
  labels: BigInt64Array;
  /** [P, 4] when the prompts have boxes. */
  boxes: Float32Array | null;
  batch: number;
  numPoints: number;
}

/** Split samkit's encoded prompts into transformers.js's input_points / input_labels / input_boxes. */
export function toHfPrompts(prompts: EncodedPrompts): HfPrompts {
  const { batch, numPoints, pointCoords, pointLabels } = prompts;
  // Every prompt of a batch has the same layout: its real points, then the padding point or two box corners.
  const hasBox = pointLabels[numPoints - 1] === 3;
  const n = numPoints - (hasBox ? 2 : 1);
  const points = new Float32Array(batch * n * 2);
  const labels = new BigInt64Array(batch * n);
  const boxes = hasBox ? new Float32Array(batch * 4) : null;
  for (let b = 0; b < batch; b++) {
    points.set(pointCoords.subarray(2 * b * numPoints, 2 * (b * numPoints + n)), 2 * b * n);
    for (let i = 0; i < n; i++) labels[b * n + i] = BigInt(pointLabels[b * numPoints + i]);
    if (boxes) boxes.set(pointCoords.subarray(2 * (b * numPoints + n), 2 * (b * numPoints + n) + 4), 4 * b);
  }
  return { points, labels, boxes, batch, numPoints: n };
}

const OUTPUTS = ['iou_scores', 'pred_masks'] as const;

/** The codec for a graph with these input names; `what` names it in errors. */
export function hfSamCodec(inputNames: readonly string[], what: string): PromptCodec {
  const boxes = inputNames.includes('input_boxes');
  return {
    family: 'hf-sam',
    supports: { points: true, boxes, maskInput: false, singleMask: false, ...(boxes ? { boxRequired: true } : {}) },
    embeddingInput: 'image_embeddings',
    imageInputs: ['image_positional_embeddings'],
    // The dense positional encoding depends only on the grid, not on the image.
    imageInputsWhat: 'positional encoding',
    imageIndependent: ['image_positional_embeddings'],
    async decode(prompts, run) {
      if (prompts.hasMaskInput) throw new InvalidPromptError(`the hf-sam decoder ${what} has no mask input (transformers.js SAM exports take points only): drop the mask input`);
      const hf = toHfPrompts(prompts);
      if (hf.boxes && !boxes) throw new InvalidPromptError(`the hf-sam decoder ${what} has no input_boxes: prompt it with points only`);
      if (!hf.boxes && boxes) throw new InvalidPromptError(`the hf-sam decoder ${what} takes input_boxes with every prompt: add a box`);
      if (hf.numPoints === 0) throw new InvalidPromptError(`the hf-sam decoder ${what} needs at least one point`);
      const feeds: Record<string, FeedSpec> = {
        input_points: { type: 'float32', data: hf.points, dims: [1, hf.batch, hf.numPoints, 2] },
        input_labels: { type: 'int64', data: hf.labels, dims: [1, hf.batch, hf.numPoints] },
      };
      if (hf.boxes) feeds.input_boxes = { type: 'float32', data: hf.boxes, dims: [1, hf.batch, 4] };
      const out = await run(feeds, OUTPUTS);
      return readMasks(out.pred_masks, out.iou_scores, hf.batch);
    },
  };
}
