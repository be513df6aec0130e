/**
 * Tiny SAM 2 models in both contracts (samexporter's and transformers.js's Sam2Model): the right
 * input/output names, shapes and dtypes, computing something small and checkable.
 * - encoder: average-pools the image by 4, 8 and 16 and mixes channels with fixed 1x1 convolutions
 *   (the high-resolution features and the 256x64x64 embedding);
 * - decoder: candidate k is a disc of radius RADII[k] model-input pixels around the first point
 *   (logit = radius - distance, on 256x256 low-res cells at 4-pixel centres), plus the mask input
 *   where has_mask_input is set; its score is mean(features) + (k+1)/10 + 100 per padding point
 *   (label -1) + 10 per label 2 + 20 per label 3 (+ sum(input_boxes) / 1000 for transformers.js).
 */
import { GraphBuilder } from '../../src/model/onnx-builder.js';

export const RADII = [64, 128, 256];

function weights(out: number, seed: number): Float32Array {
  const w = new Float32Array(out * 3);
  for (let i = 0; i < w.length; i++) w[i] = (((i * 7 + seed) % 11) - 5) / 20;
  return w;
}

function grid(axis: 'x' | 'y'): Float32Array {
  const g = new Float32Array(256 * 256);
  for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) g[y * 256 + x] = 4 * (axis === 'x' ? x : y) + 2;
  return g;
}

export function sam2Encoder(contract: 'samexporter' | 'hf'): Uint8Array {
  const g = new GraphBuilder('sam2enc');
  const image = g.input(contract === 'samexporter' ? 'image' : 'pixel_values', [1, 3, 1024, 1024]);
  const level = (k: number, out: number, seed: number) => g.o('Conv', [g.o('AveragePool', [image], { kernel_shape: [k, k], strides: [k, k] }), g.tensor('w', weights(out, seed), [out, 3, 1, 1])]);
  const names = contract === 'samexporter' ? ['high_res_feats_0', 'high_res_feats_1', 'image_embed'] : ['image_embeddings.0', 'image_embeddings.1', 'image_embeddings.2'];
  g.output(level(4, 32, 1), names[0], [1, 32, 256, 256]);
  g.output(level(8, 64, 2), names[1], [1, 64, 128, 128]);
  g.output(level(16, 256, 3), names[2], [1, 256, 64, 64]);
  return g.build(17);
}

/** Masks [L,3,256,256] and scores [L,3] from points [L,N,2], labels [L,N] and the three features. */
function core(g: GraphBuilder, points: string, labels: string, feats: string[]): { masks: string; iou: string } {
  const first = g.o('Slice', [points, g.ints([0]), g.ints([1]), g.ints([1])]); // [L,1,2]
  const px = g.o('Unsqueeze', [g.o('Slice', [first, g.ints([0]), g.ints([1]), g.ints([2])]), g.ints([3])]); // [L,1,1,1]
  const py = g.o('Unsqueeze', [g.o('Slice', [first, g.ints([1]), g.ints([2]), g.ints([2])]), g.ints([3])]);
  const dx = g.o('Sub', [g.tensor('gx', grid('x'), [1, 1, 256, 256]), px]);
  const dy = g.o('Sub', [g.tensor('gy', grid('y'), [1, 1, 256, 256]), py]);
  const dist = g.o('Sqrt', [g.o('Add', [g.o('Mul', [dx, dx]), g.o('Mul', [dy, dy])])]);
  const masks = g.o('Sub', [g.tensor('radii', new Float32Array(RADII), [1, 3, 1, 1]), dist]);
  const count = (label: number) => g.o('ReduceSum', [g.o('Cast', [g.o('Equal', [labels, g.scalar(label)])], { to: 1 }), g.ints([1])], { keepdims: 1 }); // [L,1]
  const mean = feats.map((f) => g.o('ReduceMean', [f], { keepdims: 0 })).reduce((a, b) => g.o('Add', [a, b]));
  let iou = g.o('Add', [g.tensor('k', new Float32Array([0.1, 0.2, 0.3]), [1, 3]), mean]);
  iou = g.o('Add', [iou, g.o('Mul', [count(-1), g.scalar(100)])]);
  iou = g.o('Add', [iou, g.o('Mul', [count(2), g.scalar(10)])]);
  iou = g.o('Add', [iou, g.o('Mul', [count(3), g.scalar(20)])]);
  return { masks, iou };
}

export function sam2Decoder(contract: 'samexporter' | 'hf'): Uint8Array {
  const g = new GraphBuilder('sam2dec');
  if (contract === 'samexporter') {
    const feats = [g.input('image_embed', [1, 256, 64, 64]), g.input('high_res_feats_0', [1, 32, 256, 256]), g.input('high_res_feats_1', [1, 64, 128, 128])];
    const points = g.input('point_coords', ['num_labels', 'num_points', 2]);
    const labels = g.input('point_labels', ['num_labels', 'num_points']);
    const maskInput = g.input('mask_input', ['num_labels', 1, 256, 256]);
    const has = g.input('has_mask_input', ['num_labels']);
    const { masks, iou } = core(g, points, labels, feats);
    const withMask = g.o('Add', [masks, g.o('Mul', [g.o('Unsqueeze', [has, g.ints([1, 2, 3])]), maskInput])]);
    g.output(withMask, 'masks', ['num_labels', 3, 256, 256]);
    g.output(iou, 'iou_predictions', ['num_labels', 3]);
  } else {
    const points = g.o('Squeeze', [g.input('input_points', [1, 'point_batch_size', 'num_points', 2]), g.ints([0])]);
    const labels = g.o('Cast', [g.o('Squeeze', [g.input('input_labels', [1, 'point_batch_size', 'num_points'], 'int64'), g.ints([0])])], { to: 1 });
    const boxes = g.input('input_boxes', [1, 'num_boxes', 4]);
    const feats = [g.input('image_embeddings.0', [1, 32, 256, 256]), g.input('image_embeddings.1', [1, 64, 128, 128]), g.input('image_embeddings.2', [1, 256, 64, 64])];
    const { masks, iou } = core(g, points, labels, feats);
    const boxSum = g.o('Mul', [g.o('ReduceSum', [boxes], { keepdims: 0 }), g.scalar(0.001)]);
    g.output(g.o('Unsqueeze', [g.o('Add', [iou, boxSum]), g.ints([0])]), 'iou_scores', [1, 'point_batch_size', 3]);
    g.output(g.o('Unsqueeze', [masks, g.ints([0])]), 'pred_masks', [1, 'point_batch_size', 3, 256, 256]);
    g.output(g.o('Unsqueeze', [g.o('ReduceSum', [labels, g.ints([1])], { keepdims: 1 }), g.ints([0])]), 'object_score_logits', [1, 'point_batch_size', 1]);
  }
  return g.build(17);
}

/** Write a folder as each contract ships: samexporter's *.encoder.onnx / *.decoder.onnx, or transformers.js's onnx/ + configs. */
export async function writeSam2Folder(dir: string, contract: 'samexporter' | 'hf'): Promise<string> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const path = await import('node:path');
  if (contract === 'samexporter') {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'sam2_hiera_tiny.encoder.onnx'), sam2Encoder('samexporter'));
    await writeFile(path.join(dir, 'sam2_hiera_tiny.decoder.onnx'), sam2Decoder('samexporter'));
  } else {
    await mkdir(path.join(dir, 'onnx'), { recursive: true });
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'sam2', architectures: ['Sam2Model'], vision_config: { num_feature_levels: 3 } }));
    await writeFile(path.join(dir, 'preprocessor_config.json'), JSON.stringify({
      image_processor_type: 'Sam2ImageProcessorFast', image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225], size: { height: 1024, width: 1024 },
    }));
    await writeFile(path.join(dir, 'onnx', 'vision_encoder.onnx'), sam2Encoder('hf'));
    await writeFile(path.join(dir, 'onnx', 'prompt_encoder_mask_decoder.onnx'), sam2Decoder('hf'));
  }
  return dir;
}
