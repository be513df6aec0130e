/**
 * The official SAM ONNX exports (segment_anything's `scripts/export_onnx_model.py`): a decoder taking
 * image_embeddings, point_coords, point_labels, mask_input and has_mask_input, run through today's
 * src/model machinery (graph rewrite, low-rank prompt graph, decoder lanes, mask extents); and an
 * encoder taking one normalised, padded image tensor (NCHW or NHWC, as the manifest says).
 */
import type { DecoderFamily, EncoderFamily, GraphIO } from '../family.js';
import { hasInput } from '../family.js';

export const samOnnxEncoder: EncoderFamily = {
  id: 'sam-onnx',
  expects: 'a float32 image input of rank 4 ([1,3,S,S] normalised and padded; the manifest\'s inputName, else the first) and the embedding as first output',
  runnable: true,
  input: 'normalized',
  matches: (io: GraphIO) => io.inputs.some((i) => i.shape === undefined || i.shape.length === 4) && io.outputs.length >= 1,
  inputDims: (n, layout) => (layout === 'NCHW' ? [1, 3, n, n] : [1, n, n, 3]),
};

export const samOnnxDecoder: DecoderFamily = {
  id: 'sam-onnx',
  expects: 'inputs image_embeddings, point_coords, point_labels, mask_input, has_mask_input (official SAM export)',
  runnable: true,
  embeddingInput: 'image_embeddings',
  encoders: ['sam-onnx', 'samexporter'],
  matches: (io: GraphIO) => ['image_embeddings', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input'].every((n) => hasInput(io, n))
    // SAM 2's samexporter decoder takes the same prompt inputs plus its high-resolution features.
    && !hasInput(io, 'high_res_feats_0'),
};
