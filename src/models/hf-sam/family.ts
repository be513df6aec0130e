/**
 * transformers.js SAM (SamModel exports: SAM ViT-B/L/H, SlimSAM, MedSAM): vision_encoder
 * pixel_values -> image_embeddings + image_positional_embeddings, and prompt_encoder_mask_decoder
 * input_points [B,P,N,2], input_labels int64 [B,P,N], optional input_boxes -> iou_scores, pred_masks
 * (the three multimask candidates). Run by the generic path (codec.ts, in the library and the page).
 */
import type { DecoderFamily, EncoderFamily } from '../family.js';
import { declares } from '../family.js';
import { hfSamCodec } from './codec.js';

export const hfSamEncoder: EncoderFamily = {
  id: 'hf-sam',
  expects: 'input pixel_values -> image_embeddings, image_positional_embeddings (transformers.js vision_encoder)',
  runnable: true,
  input: 'normalized',
  embeddingOutput: 'image_embeddings',
  matches: declares({ inputs: ['pixel_values'], outputs: ['image_embeddings', 'image_positional_embeddings'] }),
  inputDims: (n) => [1, 3, n, n],
};

export const hfSamDecoder: DecoderFamily = {
  id: 'hf-sam',
  expects: 'inputs input_points [B,P,N,2], input_labels int64, image_embeddings, image_positional_embeddings -> iou_scores, pred_masks',
  runnable: true,
  embeddingInput: 'image_embeddings',
  encoders: ['hf-sam'],
  matches: declares({ inputs: ['input_points', 'input_labels'], outputs: ['pred_masks'], without: ['image_embeddings.0'] }),
  open: async (file, context) => (await import('../codec-decoder.js')).CodecDecoder.open(file, context, (names) => hfSamCodec(names, file)),
};
