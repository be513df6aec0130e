/**
 * SAM 2 / 2.1 image models in their two common contracts: samexporter's (encoder `image` ->
 * high_res_feats_0, high_res_feats_1, image_embed; decoder with those plus point_coords,
 * point_labels, mask_input, has_mask_input) and transformers.js's Sam2Model (image_embeddings.0/.1/.2,
 * object_score_logits). Recognised so that errors name them; not run yet.
 */
import type { DecoderFamily, EncoderFamily } from '../family.js';
import { declares } from '../family.js';

export const sam2SamexporterEncoder: EncoderFamily = {
  id: 'sam2-samexporter',
  expects: 'input image -> high_res_feats_0, high_res_feats_1, image_embed (samexporter SAM 2)',
  runnable: false,
  input: 'normalized',
  matches: declares({ inputs: ['image'], outputs: ['high_res_feats_0', 'image_embed'] }),
  inputDims: (n) => [1, 3, n, n],
};

export const sam2SamexporterDecoder: DecoderFamily = {
  id: 'sam2-samexporter',
  expects: 'inputs image_embed, high_res_feats_0, high_res_feats_1, point_coords, point_labels, mask_input, has_mask_input',
  runnable: false,
  encoders: ['sam2-samexporter'],
  matches: declares({ inputs: ['high_res_feats_0', 'point_coords'] }),
};

export const sam2HfEncoder: EncoderFamily = {
  id: 'sam2-hf',
  expects: 'input pixel_values -> image_embeddings.0, image_embeddings.1, image_embeddings.2 (transformers.js Sam2Model)',
  runnable: false,
  input: 'normalized',
  matches: declares({ inputs: ['pixel_values'], outputs: ['image_embeddings.0'] }),
  inputDims: (n) => [1, 3, n, n],
};

export const sam2HfDecoder: DecoderFamily = {
  id: 'sam2-hf',
  expects: 'inputs input_points, input_labels, image_embeddings.0/.1/.2 -> iou_scores, pred_masks, object_score_logits',
  runnable: false,
  encoders: ['sam2-hf'],
  matches: declares({ inputs: ['image_embeddings.0', 'input_points'] }),
};
