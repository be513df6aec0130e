/**
 * Re-pack an official SAM encoder/decoder pair in the transformers.js (Xenova / optimum) layout:
 * - onnx/vision_encoder.onnx: pixel_values [1,3,S,S] (normalised, padded) -> image_embeddings and
 *   image_positional_embeddings (the prompt encoder's dense positional encoding, computed by the
 *   decoder export's own nodes, moved into the encoder as optimum's split export does);
 * - onnx/prompt_encoder_mask_decoder.onnx: input_points [1,P,N,2] float32 in model-input pixels,
 *   input_labels [1,P,N] int64 (1 foreground, 0 background), image_embeddings,
 *   image_positional_embeddings -> iou_scores [1,P,3] and pred_masks [1,P,3,256,256] (the three
 *   multimask candidates, low resolution). As in HF's SamPromptEncoder without boxes, the graph
 *   appends the padding point (label -1) itself; it has no mask input and no boxes, like the exports
 *   transformers.js ships.
 * - config.json and preprocessor_config.json as transformers.js reads them.
 * Used to test the hf-sam family with the default weights (exact parity with the default model).
 */
import onnxproto from 'onnx-proto';
import { ModelError } from '../../core/errors.js';
import { ALL_IOU_OUTPUT, ALL_MASKS_OUTPUT, prune, rewriteDecoder } from '../../model/decoder-graph.js';
import { encoderEnds, type RepackPreprocess } from '../samexporter/repack.js';

const { onnx } = onnxproto;
const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;
type NodeProto = onnxproto.onnx.INodeProto;
type ModelProto = onnxproto.onnx.ModelProto;

export interface HfSamFolderFiles {
  'config.json': string;
  'preprocessor_config.json': string;
  'onnx/vision_encoder.onnx': Uint8Array;
  'onnx/prompt_encoder_mask_decoder.onnx': Uint8Array;
}

function producers(nodes: NodeProto[]): Map<string, NodeProto> {
  const m = new Map<string, NodeProto>();
  for (const n of nodes) for (const o of n.output ?? []) m.set(o, n);
  return m;
}

/**
 * The dense positional encoding in an official decoder: Unsqueeze(Transpose(Concat(Sin(x), Cos(x))))
 * where x derives from the 2-D grid constant. Returns the Unsqueeze output and the nodes up to the
 * Transpose (which give [256, h, w]).
 */
function findDensePe(nodes: NodeProto[]): { pe: string; chain: NodeProto[]; transposeOut: string } {
  const prod = producers(nodes);
  for (const u of nodes) {
    if (u.opType !== 'Unsqueeze') continue;
    const tr = prod.get(u.input![0]);
    if (tr?.opType !== 'Transpose') continue;
    const cat = prod.get(tr.input![0]);
    if (cat?.opType !== 'Concat' || cat.input!.length !== 2) continue;
    const [s, c] = cat.input!.map((i) => prod.get(i));
    if (s?.opType !== 'Sin' || c?.opType !== 'Cos') continue;
    // Every node the Transpose depends on must be input-free (constants and initializers only).
    const chain: NodeProto[] = [];
    const stack = [tr];
    const seen = new Set<NodeProto>();
    let constant = true;
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      chain.push(n);
      for (const i of n.input ?? []) {
        const p = prod.get(i);
        if (p) stack.push(p);
        else if (['image_embeddings', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input'].includes(i)) constant = false;
      }
    }
    if (!constant) continue;
    const order = new Map(nodes.map((n, i) => [n, i]));
    chain.sort((a, b) => order.get(a)! - order.get(b)!);
    return { pe: u.output![0], chain, transposeOut: tr.output![0] };
  }
  throw new ModelError('re-packing needs an official SAM decoder export (no dense positional encoding found)');
}

function ints(name: string, values: number[]): onnxproto.onnx.ITensorProto {
  return { name, dims: [values.length], dataType: T.INT64, int64Data: values };
}

function floatInfo(name: string, dims: Array<number | string>, elemType: number = T.FLOAT): onnxproto.onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

let counter = 0;
function node(opType: string, input: string[], output: string[], attrs: Record<string, number | number[]> = {}): NodeProto {
  const attribute = Object.entries(attrs).map(([name, v]) => (Array.isArray(v) ? { name, type: A.INTS, ints: v } : { name, type: A.INT, i: v }));
  return { opType, input, output, name: `hf/${opType}_${counter++}`, attribute };
}

function opsetOf(model: ModelProto): number {
  return Number(model.opsetImport?.find((o) => !o.domain)?.version ?? 13);
}

/** The decoder in the transformers.js contract, from the official export's nodes. */
function repackDecoder(decoderBytes: Uint8Array): { bytes: Uint8Array; pe: { chain: NodeProto[]; transposeOut: string; initializers: onnxproto.onnx.ITensorProto[] } } {
  const model = onnx.ModelProto.decode(rewriteDecoder(decoderBytes, 'decoder').bytes);
  const g = model.graph!;
  if (opsetOf(model) < 13) throw new ModelError('re-packing the decoder needs opset 13 or later');
  const nodes = g.node as NodeProto[];
  const { pe, chain, transposeOut } = findDensePe(nodes);
  const used = new Set(chain.flatMap((n) => n.input ?? []));
  const peInits = (g.initializer ?? []).filter((t) => used.has(t.name!)).map((t) => onnx.TensorProto.create(t));
  const peChain = chain.map((n) => onnx.NodeProto.create(n));
  // The decoder now takes the positional encoding as an input.
  for (const n of nodes) n.input = (n.input ?? []).map((i) => (i === pe ? 'image_positional_embeddings' : i));

  const pre: NodeProto[] = [
    node('Squeeze', ['input_points', 'hf_axis0'], ['hf_points']), // [P, N, 2]
    node('Squeeze', ['input_labels', 'hf_axis0'], ['hf_labels_i']), // [P, N]
    node('Cast', ['hf_labels_i'], ['hf_labels'], { to: T.FLOAT }),
    node('Shape', ['hf_points'], ['hf_points_shape']),
    node('Gather', ['hf_points_shape', 'hf_idx0'], ['hf_p']), // [P]
    node('Concat', ['hf_p', 'hf_one_two'], ['hf_pad_points_shape'], { axis: 0 }),
    node('Concat', ['hf_p', 'hf_one'], ['hf_pad_labels_shape'], { axis: 0 }),
    // HF's prompt encoder without boxes appends a point (0, 0) labelled -1 (not-a-point).
    { ...node('ConstantOfShape', ['hf_pad_points_shape'], ['hf_pad_points']), attribute: [{ name: 'value', type: A.TENSOR, t: { dims: [1], dataType: T.FLOAT, floatData: [0] } }] },
    { ...node('ConstantOfShape', ['hf_pad_labels_shape'], ['hf_pad_labels']), attribute: [{ name: 'value', type: A.TENSOR, t: { dims: [1], dataType: T.FLOAT, floatData: [-1] } }] },
    node('Concat', ['hf_points', 'hf_pad_points'], ['point_coords'], { axis: 1 }),
    node('Concat', ['hf_labels', 'hf_pad_labels'], ['point_labels'], { axis: 1 }),
    node('Concat', ['hf_p', 'hf_mask_dims'], ['hf_mask_shape'], { axis: 0 }),
    { ...node('ConstantOfShape', ['hf_mask_shape'], ['mask_input']), attribute: [{ name: 'value', type: A.TENSOR, t: { dims: [1], dataType: T.FLOAT, floatData: [0] } }] },
  ];
  const post: NodeProto[] = [
    node('Slice', [ALL_MASKS_OUTPUT, 'hf_tok_start', 'hf_tok_end', 'hf_axis1'], ['hf_multi_masks']),
    node('Slice', [ALL_IOU_OUTPUT, 'hf_tok_start', 'hf_tok_end', 'hf_axis1'], ['hf_multi_iou']),
    node('Unsqueeze', ['hf_multi_masks', 'hf_axis0'], ['pred_masks']),
    node('Unsqueeze', ['hf_multi_iou', 'hf_axis0'], ['iou_scores']),
  ];
  g.node = [...pre, ...nodes, ...post];
  g.initializer = [...(g.initializer ?? []),
    ints('hf_axis0', [0]), ints('hf_axis1', [1]), ints('hf_idx0', [0]), ints('hf_one_two', [1, 2]), ints('hf_one', [1]),
    ints('hf_mask_dims', [1, 256, 256]), ints('hf_tok_start', [1]), ints('hf_tok_end', [4]),
    { name: 'has_mask_input', dims: [1], dataType: T.FLOAT, floatData: [0] }];
  g.input = [
    floatInfo('input_points', [1, 'point_batch_size', 'nb_points_per_image', 2]),
    floatInfo('input_labels', [1, 'point_batch_size', 'nb_points_per_image'], T.INT64),
    floatInfo('image_embeddings', [1, 256, 64, 64]),
    floatInfo('image_positional_embeddings', [1, 256, 64, 64]),
  ];
  g.output = [floatInfo('iou_scores', [1, 'point_batch_size', 3]), floatInfo('pred_masks', [1, 'point_batch_size', 3, 256, 256])];
  prune(model, ['iou_scores', 'pred_masks']);
  // prune() keeps only needed inputs; keep the declared order of the contract.
  return { bytes: onnx.ModelProto.encode(model).finish(), pe: { chain: peChain, transposeOut, initializers: peInits } };
}

/** The encoder in the transformers.js contract: pixel_values -> image_embeddings, image_positional_embeddings. */
function repackEncoder(encoderBytes: Uint8Array, pe: ReturnType<typeof repackDecoder>['pe']): Uint8Array {
  const { model, g, oldIn, oldOut } = encoderEnds(encoderBytes);
  const rename = (t: string) => (t === oldIn ? 'pixel_values' : t === oldOut ? 'image_embeddings' : t);
  for (const n of g.node ?? []) {
    n.input = (n.input ?? []).map(rename);
    n.output = (n.output ?? []).map(rename);
  }
  // The positional encoding's nodes, prefixed so that no name collides with the encoder's.
  const p = (t: string) => (t ? `pe/${t}` : t);
  const chain = pe.chain.map((n) => ({ ...n, name: p(n.name ?? ''), input: (n.input ?? []).map(p), output: (n.output ?? []).map(p) }));
  const unsqueeze = opsetOf(model) < 13
    ? node('Unsqueeze', [p(pe.transposeOut)], ['image_positional_embeddings'], { axes: [0] })
    : node('Unsqueeze', [p(pe.transposeOut), 'pe/axis0'], ['image_positional_embeddings']);
  g.node = [...(g.node ?? []), ...chain, unsqueeze];
  g.initializer = [...(g.initializer ?? []), ...pe.initializers.map((t) => ({ ...t, name: p(t.name!) })), ...(opsetOf(model) < 13 ? [] : [ints('pe/axis0', [0])])];
  g.input = [floatInfo('pixel_values', [1, 3, 1024, 1024])];
  g.output = [floatInfo('image_embeddings', [1, 256, 64, 64]), floatInfo('image_positional_embeddings', [1, 256, 64, 64])];
  return onnx.ModelProto.encode(model).finish();
}

/** Every file of a transformers.js SAM folder made from an official encoder/decoder pair. */
export function repackAsHfSam(encoderBytes: Uint8Array, decoderBytes: Uint8Array, pre: RepackPreprocess): HfSamFolderFiles {
  const dec = repackDecoder(decoderBytes);
  const r = (v: number) => Math.round((v / 255) * 1e9) / 1e9;
  const config = {
    architectures: ['SamModel'], model_type: 'sam',
    vision_config: { image_size: pre.inputSize, output_channels: 256 },
    prompt_encoder_config: { image_size: pre.inputSize, image_embedding_size: 64, mask_input_channels: 16 },
    mask_decoder_config: { num_multimask_outputs: 3 },
  };
  const preprocessor = {
    do_normalize: true, do_pad: true, do_rescale: true, do_resize: true,
    image_mean: pre.pixelMean.map(r), image_std: pre.pixelStd.map(r),
    image_processor_type: 'SamImageProcessor', processor_class: 'SamProcessor',
    pad_size: { height: pre.inputSize, width: pre.inputSize }, resample: 2, rescale_factor: 1 / 255,
    size: { longest_edge: pre.inputSize },
  };
  return {
    'config.json': `${JSON.stringify(config, null, 2)}\n`,
    'preprocessor_config.json': `${JSON.stringify(preprocessor, null, 2)}\n`,
    'onnx/vision_encoder.onnx': repackEncoder(encoderBytes, dec.pe),
    'onnx/prompt_encoder_mask_decoder.onnx': dec.bytes,
  };
}
