/**
 * Feeding SAM 2 decoders in both contracts (pure, shared by the library and the page; see
 * family.ts). samkit's encoded prompts are in model-input pixels of the stretched image; both exports
 * append their own padding point, so samkit's is dropped. samexporter's graph takes a box as two
 * corner points labelled 2 and 3 (SAM 2's predictor does the same); transformers.js's takes it as
 * input_boxes. Outputs are the three multimask candidates. The image-side inputs besides the
 * embedding are the encoder's high-resolution features of the same image.
 */
import { InvalidPromptError } from '../../core/errors.js';
import type { EncodedPrompts } from '../../core/prompt.js';
import type { DecoderOutput } from '../../model/sam-model.js';
import { toHfPrompts } from '../hf-sam/codec.js';
import { readMasks, type FeedSpec, type PromptCodec, type RunGraph } from '../prompt-codec.js';

export type Sam2Contract = 'samexporter' | 'hf';

export const SAM2_FEATURES: Record<Sam2Contract, { embedding: string; others: string[] }> = {
  samexporter: { embedding: 'image_embed', others: ['high_res_feats_0', 'high_res_feats_1'] },
  hf: { embedding: 'image_embeddings.2', others: ['image_embeddings.0', 'image_embeddings.1'] },
};

/** The prompts' points without samkit's padding point (box corners stay, labelled 2 and 3). */
export function withoutPadding(prompts: EncodedPrompts): { coords: Float32Array; labels: Float32Array; numPoints: number } {
  const { batch, numPoints, pointCoords, pointLabels } = prompts;
  const padded = pointLabels[numPoints - 1] === -1;
  const n = padded ? numPoints - 1 : numPoints;
  if (!padded) return { coords: pointCoords, labels: pointLabels, numPoints: n };
  const coords = new Float32Array(batch * n * 2);
  const labels = new Float32Array(batch * n);
  for (let b = 0; b < batch; b++) {
    coords.set(pointCoords.subarray(2 * b * numPoints, 2 * (b * numPoints + n)), 2 * b * n);
    labels.set(pointLabels.subarray(b * numPoints, b * numPoints + n), b * n);
  }
  return { coords, labels, numPoints: n };
}

/** The contract of a SAM 2 decoder graph with these input names. */
export function sam2Contract(inputNames: readonly string[]): Sam2Contract {
  return inputNames.includes('image_embed') ? 'samexporter' : 'hf';
}

const SAMEXPORTER_OUTPUTS = ['masks', 'iou_predictions'] as const;
const HF_OUTPUTS = ['iou_scores', 'pred_masks'] as const;

function samexporterCodec(inputNames: readonly string[], maskInputSize: number, what: string): PromptCodec {
  const maskInput = inputNames.includes('mask_input');
  let zeros = new Float32Array(0);
  return {
    family: 'sam2-samexporter',
    supports: { points: true, boxes: true, maskInput, singleMask: false },
    embeddingInput: SAM2_FEATURES.samexporter.embedding,
    imageInputs: SAM2_FEATURES.samexporter.others,
    imageInputsWhat: 'high-resolution features',
    imageIndependent: [],
    async decode(prompts, run) {
      if (prompts.hasMaskInput && !maskInput) throw new InvalidPromptError(`the SAM 2 decoder ${what} has no mask input: drop the mask input`);
      const { batch } = prompts;
      const p = withoutPadding(prompts);
      const m = maskInputSize;
      // Without a mask input the graph ignores mask_input's values (has_mask_input = 0): zeros of the right size, reused.
      if (!prompts.hasMaskInput && zeros.length < batch * m * m) zeros = new Float32Array(batch * m * m);
      const feeds: Record<string, FeedSpec> = {
        point_coords: { type: 'float32', data: p.coords, dims: [batch, p.numPoints, 2] },
        point_labels: { type: 'float32', data: p.labels, dims: [batch, p.numPoints] },
      };
      if (maskInput) {
        feeds.mask_input = { type: 'float32', data: prompts.hasMaskInput ? prompts.maskInput : zeros.subarray(0, batch * m * m), dims: [batch, 1, m, m] };
        feeds.has_mask_input = { type: 'float32', data: new Float32Array(batch).fill(prompts.hasMaskInput ? 1 : 0), dims: [batch] };
      }
      const out = await run(feeds, SAMEXPORTER_OUTPUTS);
      return readMasks(out.masks, out.iou_predictions, batch);
    },
  };
}

function hfCodec(inputNames: readonly string[], what: string): PromptCodec {
  const boxes = inputNames.includes('input_boxes');
  const noBoxes: FeedSpec = { type: 'float32', data: new Float32Array(0), dims: [1, 0, 4] };
  const runGroup = async (run: RunGraph, points: Float32Array, labels: BigInt64Array, count: number, n: number, box: Float32Array | null): Promise<DecoderOutput> => {
    const feeds: Record<string, FeedSpec> = {
      input_points: { type: 'float32', data: points, dims: [1, count, n, 2] },
      input_labels: { type: 'int64', data: labels, dims: [1, count, n] },
    };
    if (boxes) feeds.input_boxes = box ? { type: 'float32', data: box, dims: [1, 1, 4] } : noBoxes;
    const out = await run(feeds, HF_OUTPUTS);
    return readMasks(out.pred_masks, out.iou_scores, count);
  };
  return {
    family: 'sam2-hf',
    supports: { points: true, boxes, maskInput: false, singleMask: false },
    embeddingInput: SAM2_FEATURES.hf.embedding,
    imageInputs: SAM2_FEATURES.hf.others,
    imageInputsWhat: 'high-resolution features',
    imageIndependent: [],
    async decode(prompts, run) {
      if (prompts.hasMaskInput) throw new InvalidPromptError(`the SAM 2 decoder ${what} has no mask input: drop the mask input`);
      const hf = toHfPrompts(prompts);
      if (hf.boxes && !boxes) throw new InvalidPromptError(`the SAM 2 decoder ${what} has no input_boxes: prompt it with points only`);
      const n = hf.numPoints;
      if (!hf.boxes) return runGroup(run, hf.points, hf.labels, hf.batch, n, null);
      // transformers.js's Sam2Model takes one box per image alongside points: a batch with boxes runs one prompt at a time.
      const parts: DecoderOutput[] = [];
      for (let b = 0; b < hf.batch; b++) {
        parts.push(await runGroup(run, hf.points.subarray(2 * n * b, 2 * n * (b + 1)), hf.labels.subarray(n * b, n * (b + 1)), 1, n, hf.boxes.subarray(4 * b, 4 * b + 4)));
      }
      if (parts.length === 1) return parts[0];
      const { tokens, lowSize } = parts[0];
      const masks = new Float32Array(hf.batch * tokens * lowSize * lowSize);
      const iou = new Float32Array(hf.batch * tokens);
      parts.forEach((part, b) => { masks.set(part.masks, b * part.masks.length); iou.set(part.iou, b * tokens); });
      return { masks, iou, batch: hf.batch, tokens, lowSize, multimaskOnly: true };
    },
  };
}

export function sam2Codec(inputNames: readonly string[], maskInputSize: number, what: string): PromptCodec {
  return sam2Contract(inputNames) === 'samexporter' ? samexporterCodec(inputNames, maskInputSize, what) : hfCodec(inputNames, what);
}
