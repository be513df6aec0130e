/**
 * transformers.js SAM (SamModel exports: SAM ViT-B/L/H, SlimSAM, MedSAM): vision_encoder
 * pixel_values -> image_embeddings + image_positional_embeddings, and prompt_encoder_mask_decoder
 * input_points [B,P,N,2], input_labels int64 [B,P,N], optional input_boxes -> iou_scores, pred_masks.
 * Recognised so that errors name it; not run yet.
 */
import type { DecoderFamily, EncoderFamily, GraphIO } from '../family.js';
import { hasInput, hasOutput } from '../family.js';

export const hfSamEncoder: EncoderFamily = {
  id: 'hf-sam',
  expects: 'input pixel_values -> image_embeddings, image_positional_embeddings (transformers.js vision_encoder)',
  runnable: false,
  input: 'normalized',
  matches: (io: GraphIO) => hasInput(io, 'pixel_values') && hasOutput(io, 'image_positional_embeddings'),
  inputDims: (n) => [1, 3, n, n],
};

export const hfSamDecoder: DecoderFamily = {
  id: 'hf-sam',
  expects: 'inputs input_points [B,P,N,2], input_labels int64, image_embeddings, image_positional_embeddings -> iou_scores, pred_masks',
  runnable: false,
  matches: (io: GraphIO) => hasInput(io, 'input_points') && hasInput(io, 'input_labels') && hasOutput(io, 'pred_masks')
    && !hasInput(io, 'image_embeddings.0'),
};
