/**
 * Rewrites an official SAM ONNX decoder export so that it returns every mask token.
 *
 * The official export (`SamOnnxModel`, return_single_mask=True) picks one of the four mask tokens
 * inside the graph and then upsamples it to the original image size. We want all four low-res
 * masks and IoU predictions (candidates 1..3 for multimask output, token 0 for single-mask output,
 * as `SamPredictor` does), and we upsample ourselves, only what is asked for. So the graph is cut
 * right before the selection, everything after it is pruned (which also drops `orig_im_size`), and
 * the batch dimension of the prompt inputs is relaxed so many prompt sets run in one call.
 */
import onnxproto from 'onnx-proto';
import { ModelError } from '../core/errors.js';

const { onnx } = onnxproto;
const DataType = onnx.TensorProto.DataType;
type ModelProto = onnxproto.onnx.ModelProto;
type NodeProto = onnxproto.onnx.INodeProto;

/** Names of the rewritten graph's outputs. */
export const ALL_MASKS_OUTPUT = 'all_low_res_masks';
export const ALL_IOU_OUTPUT = 'all_iou_predictions';
/** Bumped whenever the rewrite changes, so cached rewritten files are not reused across versions. */
export const DECODER_REWRITE_VERSION = 4;

const REQUIRED_INPUTS = ['image_embeddings', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input'];

export interface DecoderRewriteInfo {
  /** True when the source graph selected a single mask and was cut before that selection. */
  cutSelection: boolean;
  nodesBefore: number;
  nodesAfter: number;
}

function producerMap(nodes: NodeProto[]): Map<string, NodeProto> {
  const map = new Map<string, NodeProto>();
  for (const n of nodes) for (const o of n.output ?? []) map.set(o, n);
  return map;
}

/** Find the all-token mask and IoU tensors feeding the single-mask selection (ArgMax + Gather). */
function findSelectionInputs(nodes: NodeProto[]): { masks: string; iou: string } | null {
  const argmax = nodes.filter((n) => n.opType === 'ArgMax');
  if (argmax.length !== 1) return null;
  const producers = producerMap(nodes);
  const scoreAdd = producers.get(argmax[0].input![0]);
  if (!scoreAdd || scoreAdd.opType !== 'Add') return null;
  // The reweighted score is iou_predictions + (num_points - 2.5) * [1000, 0, 0, 0]; the IoU side is not the Mul.
  const iou = scoreAdd.input!.find((t) => producers.get(t)?.opType !== 'Mul');
  if (!iou) return null;
  const argOut = argmax[0].output![0];
  const indexAdds = new Set(nodes.filter((n) => n.opType === 'Add' && n.input!.includes(argOut)).flatMap((n) => n.output!));
  for (const g of nodes) {
    if (g.opType !== 'Gather' || !indexAdds.has(g.input![1])) continue;
    const flat = producers.get(g.input![0]);
    if (flat?.opType !== 'Flatten') continue;
    const src = flat.input![0];
    if (src !== iou) return { masks: src, iou };
  }
  return null;
}

function identity(input: string, output: string): NodeProto {
  return onnx.NodeProto.create({ opType: 'Identity', name: `samkit/${output}`, input: [input], output: [output] });
}

function outputInfo(name: string, dims: string[]): onnxproto.onnx.IValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimParam: d })) } } },
  });
}

/** Keep only the nodes (and initializers, inputs) that the given outputs depend on. */
export function prune(model: ModelProto, outputs: string[]): void {
  const graph = model.graph!;
  const nodes = graph.node as NodeProto[];
  const producers = producerMap(nodes);
  const needed = new Set<string>(outputs);
  const keep = new Set<NodeProto>();
  const stack = [...outputs];
  while (stack.length) {
    const t = stack.pop()!;
    const n = producers.get(t);
    if (!n || keep.has(n)) continue;
    keep.add(n);
    for (const i of n.input ?? []) if (i && !needed.has(i)) { needed.add(i); stack.push(i); }
  }
  graph.node = nodes.filter((n) => keep.has(n)) as typeof graph.node;
  graph.initializer = (graph.initializer ?? []).filter((t) => needed.has(t.name!));
  graph.input = (graph.input ?? []).filter((i) => needed.has(i.name!));
}

/** Make the leading (batch) dimension of an input symbolic. */
function relaxBatch(model: ModelProto, inputName: string): void {
  const input = model.graph!.input?.find((i) => i.name === inputName);
  const dim = input?.type?.tensorType?.shape?.dim?.[0];
  if (dim) { dim.dimValue = null; dim.dimParam = 'batch'; }
}

/**
 * Rewrite decoder ONNX bytes. Throws ModelError when the bytes are not an ONNX SAM decoder of the
 * official export's form.
 */
export function rewriteDecoder(bytes: Uint8Array, source = 'decoder'): { bytes: Uint8Array; info: DecoderRewriteInfo } {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new ModelError(`${source} is not an ONNX model (${(err as Error).message})`, { cause: err });
  }
  const graph = model.graph;
  if (!graph || !graph.node?.length) throw new ModelError(`${source} is not an ONNX model (no graph)`);
  const inputNames = (graph.input ?? []).map((i) => i.name);
  const missing = REQUIRED_INPUTS.filter((n) => !inputNames.includes(n));
  if (missing.length) {
    throw new ModelError(`${source} is not a SAM decoder: missing input(s) ${missing.join(', ')} (has ${inputNames.join(', ')})`);
  }
  const nodes = graph.node as NodeProto[];
  const nodesBefore = nodes.length;
  const selection = findSelectionInputs(nodes);
  let masks: string;
  let iou: string;
  if (selection) {
    ({ masks, iou } = selection);
  } else {
    // An export with return_single_mask=False already yields every token.
    const outs = (graph.output ?? []).map((o) => o.name);
    if (!outs.includes('low_res_masks') || !outs.includes('iou_predictions')) {
      throw new ModelError(`${source} is not a SAM decoder: no mask selection and no low_res_masks/iou_predictions outputs`);
    }
    masks = 'low_res_masks';
    iou = 'iou_predictions';
  }
  graph.node.push(identity(masks, ALL_MASKS_OUTPUT), identity(iou, ALL_IOU_OUTPUT));
  graph.output = [outputInfo(ALL_MASKS_OUTPUT, ['batch', 'tokens', 'low_h', 'low_w']), outputInfo(ALL_IOU_OUTPUT, ['batch', 'tokens'])];
  prune(model, [ALL_MASKS_OUTPUT, ALL_IOU_OUTPUT]);
  for (const name of ['point_coords', 'point_labels', 'mask_input']) relaxBatch(model, name);
  graph.valueInfo = [];
  return {
    bytes: onnx.ModelProto.encode(model).finish(),
    info: { cutSelection: selection !== null, nodesBefore, nodesAfter: graph.node.length },
  };
}


/** Element type of every tensor the graph can tell without running it (enough for cut tensors). */
function inferElemTypes(graph: onnxproto.onnx.IGraphProto): Map<string, number> {
  const types = new Map<string, number>();
  for (const i of graph.input ?? []) types.set(i.name!, i.type?.tensorType?.elemType ?? DataType.FLOAT);
  for (const t of graph.initializer ?? []) types.set(t.name!, t.dataType ?? DataType.FLOAT);
  const attr = (n: NodeProto, name: string) => n.attribute?.find((a) => a.name === name);
  for (const n of graph.node ?? []) {
    let t: number | undefined;
    switch (n.opType) {
      case 'Shape': case 'Size': case 'NonZero': case 'ArgMax': case 'ArgMin': t = DataType.INT64; break;
      case 'Cast': t = Number(attr(n, 'to')?.i ?? DataType.FLOAT); break;
      case 'Constant': t = attr(n, 'value')?.t?.dataType ?? DataType.FLOAT; break;
      case 'ConstantOfShape': t = attr(n, 'value')?.t?.dataType ?? DataType.FLOAT; break;
      case 'Equal': case 'Less': case 'Greater': case 'LessOrEqual': case 'GreaterOrEqual': case 'Not': case 'And': case 'Or': t = DataType.BOOL; break;
      case 'Where': t = types.get(n.input![1]); break;
      case 'OneHot': t = types.get(n.input![2]); break;
      default: t = n.input?.map((i) => types.get(i)).find((x) => x !== undefined);
    }
    for (const o of n.output ?? []) types.set(o, t ?? DataType.FLOAT);
  }
  return types;
}

function tensorInfo(name: string, elemType: number): onnxproto.onnx.IValueInfoProto {
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType } } });
}

function zeroInitializer(name: string, dims: number[]): onnxproto.onnx.ITensorProto {
  return onnx.TensorProto.create({ name, dims, dataType: DataType.FLOAT, rawData: new Uint8Array(dims.reduce((a, b) => a * b, 1) * 4) });
}

export interface SplitDecoder {
  /** image_embeddings -> every prompt-independent tensor the prompt graph needs. */
  image: Uint8Array;
  /** point_coords [1,N,2], point_labels [1,N] + those tensors -> all masks and IoU predictions. */
  prompt: Uint8Array;
  /** Names of the tensors carried from the image graph to the prompt graph. */
  carried: string[];
}

/**
 * Split a rewritten decoder into a per-image part and a per-prompt part, for prompts without a mask
 * input and one prompt per run. With no mask input the dense prompt embedding is a constant, so the
 * image side of the two-way transformer's first layer (projections of the image embedding, the
 * positional encoding, layout transposes) does not depend on the prompt: it is computed once per
 * image instead of once per prompt. The batch repeat of the image embedding is a no-op at batch 1.
 */
export function splitDecoder(rewritten: Uint8Array, maskSize = 256): SplitDecoder {
  const base = onnx.ModelProto.decode(rewritten);
  const graph = base.graph!;
  // No mask input: has_mask_input = 0 and a zero mask become constants, so ORT folds the dense embedding.
  graph.input = (graph.input ?? []).filter((i) => i.name !== 'has_mask_input' && i.name !== 'mask_input');
  graph.initializer = [
    ...(graph.initializer ?? []),
    onnx.TensorProto.create({ name: 'has_mask_input', dims: [1], dataType: DataType.FLOAT, floatData: [0] }),
    zeroInitializer('mask_input', [1, 1, maskSize, maskSize]),
  ];
  const dynamic = new Set(['point_coords', 'point_labels']);
  const imageSide = new Set(['image_embeddings']);
  for (const n of graph.node as NodeProto[]) {
    if (n.opType === 'Tile' && !dynamic.has(n.input![0])) {
      // repeat_interleave(image embedding or positional encoding, batch) with batch 1.
      n.opType = 'Identity';
      n.input = [n.input![0]];
      n.attribute = [];
    }
    const ins = n.input ?? [];
    const target = ins.some((i) => dynamic.has(i)) ? dynamic : ins.some((i) => imageSide.has(i)) ? imageSide : null;
    if (target) for (const o of n.output ?? []) target.add(o);
  }
  const carried = new Set<string>();
  for (const n of graph.node as NodeProto[]) {
    if (!(n.output ?? []).some((o) => dynamic.has(o))) continue;
    for (const i of n.input ?? []) if (imageSide.has(i)) carried.add(i);
  }
  for (const o of graph.output ?? []) if (imageSide.has(o.name!)) carried.add(o.name!);
  const carriedList = [...carried].sort();
  const types = inferElemTypes(graph);

  const image = onnx.ModelProto.decode(rewritten);
  image.graph!.node = graph.node!.map((n) => onnx.NodeProto.create(n));
  image.graph!.initializer = graph.initializer;
  image.graph!.input = graph.input!.filter((i) => i.name === 'image_embeddings');
  image.graph!.output = carriedList.map((name) => tensorInfo(name, types.get(name) ?? DataType.FLOAT));
  image.graph!.valueInfo = [];
  prune(image, carriedList);

  const prompt = onnx.ModelProto.decode(rewritten);
  prompt.graph!.node = graph.node!.filter((n) => (n.output ?? []).some((o) => !imageSide.has(o)) && !(n.output ?? []).every((o) => carried.has(o)));
  prompt.graph!.initializer = graph.initializer;
  prompt.graph!.input = [
    ...graph.input!.filter((i) => dynamic.has(i.name!)),
    ...carriedList.map((name) => tensorInfo(name, types.get(name) ?? DataType.FLOAT)),
  ];
  prompt.graph!.valueInfo = [];
  prune(prompt, [ALL_MASKS_OUTPUT, ALL_IOU_OUTPUT]);
  for (const name of ['point_coords', 'point_labels']) {
    const dim = prompt.graph!.input!.find((i) => i.name === name)?.type?.tensorType?.shape?.dim?.[0];
    if (dim) { dim.dimParam = null; dim.dimValue = 1; }
  }
  return { image: onnx.ModelProto.encode(image).finish(), prompt: onnx.ModelProto.encode(prompt).finish(), carried: carriedList };
}
