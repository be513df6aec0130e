/**
 * SAM 2 / 2.1 image models in their two common contracts: samexporter's (encoder `image` ->
 * high_res_feats_0, high_res_feats_1, image_embed; decoder with those plus point_coords,
 * point_labels, mask_input, has_mask_input -> masks, iou_predictions) and transformers.js's Sam2Model
 * (pixel_values -> image_embeddings.0/.1/.2; decoder input_points, input_labels, input_boxes ->
 * iou_scores, pred_masks, object_score_logits). Both stretch the image to the input size (no
 * padding), as SAM 2's own transforms do. Run by the generic path (codec.ts, in the library and the page).
 */
import type { DecoderFamily, EncoderFamily } from '../family.js';
import { declares } from '../family.js';
import { sam2Codec } from './codec.js';

const open: DecoderFamily['open'] = async (file, context) => (await import('../codec-decoder.js')).CodecDecoder.open(file, context, (names) => sam2Codec(names, context.maskInputSize, file));

export const sam2SamexporterEncoder: EncoderFamily = {
  id: 'sam2-samexporter',
  expects: 'input image -> high_res_feats_0, high_res_feats_1, image_embed (samexporter SAM 2)',
  runnable: true,
  input: 'normalized',
  resize: 'stretch',
  embeddingOutput: 'image_embed',
  matches: declares({ inputs: ['image'], outputs: ['high_res_feats_0', 'high_res_feats_1', 'image_embed'] }),
  inputDims: (n) => [1, 3, n, n],
};

export const sam2SamexporterDecoder: DecoderFamily = {
  id: 'sam2-samexporter',
  expects: 'inputs image_embed, high_res_feats_0, high_res_feats_1, point_coords, point_labels, mask_input, has_mask_input -> masks, iou_predictions',
  runnable: true,
  embeddingInput: 'image_embed',
  encoders: ['sam2-samexporter'],
  matches: declares({ inputs: ['image_embed', 'high_res_feats_0', 'high_res_feats_1', 'point_coords', 'point_labels'] }),
  open,
};

export const sam2HfEncoder: EncoderFamily = {
  id: 'sam2-hf',
  expects: 'input pixel_values -> image_embeddings.0, image_embeddings.1, image_embeddings.2 (transformers.js Sam2Model)',
  runnable: true,
  input: 'normalized',
  resize: 'stretch',
  embeddingOutput: 'image_embeddings.2',
  matches: declares({ inputs: ['pixel_values'], outputs: ['image_embeddings.0', 'image_embeddings.1', 'image_embeddings.2'] }),
  inputDims: (n) => [1, 3, n, n],
};

export const sam2HfDecoder: DecoderFamily = {
  id: 'sam2-hf',
  expects: 'inputs input_points, input_labels, input_boxes, image_embeddings.0/.1/.2 -> iou_scores, pred_masks, object_score_logits',
  runnable: true,
  embeddingInput: 'image_embeddings.2',
  encoders: ['sam2-hf'],
  matches: declares({ inputs: ['image_embeddings.0', 'image_embeddings.1', 'image_embeddings.2', 'input_points'] }),
  open,
};
