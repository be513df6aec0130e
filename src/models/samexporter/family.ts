/**
 * samexporter's `--use-preprocess` SAM encoders (as AnyLabeling / X-AnyLabeling ship them for SAM
 * ViT-B/L/H and MobileSAM): input `input_image`, float32 [H, W, 3] RGB 0-255 already resized so its
 * longest side is 1024; the graph normalises, transposes and pads. Paired with an official decoder.
 */
import type { EncoderFamily, GraphIO } from '../family.js';
import { hasInput } from '../family.js';

export const samexporterEncoder: EncoderFamily = {
  id: 'samexporter',
  expects: 'input input_image [H,W,3] float32 RGB 0-255 (preprocessing in the graph) -> image_embeddings',
  runnable: true,
  input: 'resized-rgb',
  matches: (io: GraphIO) => hasInput(io, 'input_image', 3) && io.outputs.length >= 1,
  inputDims: (_n, _layout, resized) => [resized.height, resized.width, 3],
};
