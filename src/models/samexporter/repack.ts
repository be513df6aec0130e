/**
 * Re-pack an official-layout SAM encoder (normalised, padded NCHW input) as samexporter's
 * `--use-preprocess` export: input `input_image` float32 [H, W, 3] RGB 0-255 (the resized image), with
 * normalisation, transpose and zero padding to inputSize² inside the graph, output `image_embeddings`.
 * Used to test the samexporter family with the default weights (exact parity with the default model).
 */
import onnxproto from 'onnx-proto';
import { ModelError } from '../../core/errors.js';

const { onnx } = onnxproto;
const T = onnx.TensorProto.DataType;

export interface RepackPreprocess {
  inputSize: number;
  pixelMean: readonly [number, number, number];
  pixelStd: readonly [number, number, number];
}

function floats(name: string, values: number[]): onnxproto.onnx.ITensorProto {
  const data = new Float32Array(values);
  return { name, dims: [values.length], dataType: T.FLOAT, rawData: new Uint8Array(data.buffer) };
}

function ints(name: string, values: number[]): onnxproto.onnx.ITensorProto {
  return { name, dims: [values.length], dataType: T.INT64, int64Data: values };
}

/** An encoder graph to re-pack, with the names of its one image input and its embedding output. */
export function encoderEnds(bytes: Uint8Array): { model: onnxproto.onnx.ModelProto; g: onnxproto.onnx.IGraphProto & { output: onnxproto.onnx.IValueInfoProto[] }; oldIn: string; oldOut: string } {
  const model = onnx.ModelProto.decode(bytes);
  const g = model.graph;
  const inits = new Set((g?.initializer ?? []).map((t) => t.name));
  const inputs = (g?.input ?? []).filter((i) => !inits.has(i.name));
  if (!g || inputs.length !== 1 || !g.output?.length) throw new ModelError('re-packing needs an encoder with one image input and an embedding output');
  return { model, g: g as typeof g & { output: onnxproto.onnx.IValueInfoProto[] }, oldIn: inputs[0].name!, oldOut: g.output[0].name! };
}

export function repackAsSamexporterEncoder(bytes: Uint8Array, pre: RepackPreprocess): Uint8Array {
  const { model, g, oldIn, oldOut } = encoderEnds(bytes);
  const opset = Number(model.opsetImport?.find((o) => !o.domain)?.version ?? 13);
  const node = (opType: string, input: string[], output: string[], attribute: onnxproto.onnx.IAttributeProto[] = []) => ({ opType, input, output, name: `px/${output[0]}`, attribute });
  const n = pre.inputSize;
  const pre_ = [
    node('Sub', ['input_image', 'px_mean'], ['px_centered']),
    node('Div', ['px_centered', 'px_std'], ['px_norm']),
    node('Transpose', ['px_norm'], ['px_chw'], [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [2, 0, 1] }]),
    // Unsqueeze takes its axes as an attribute before opset 13, as an input from 13 on.
    opset < 13
      ? node('Unsqueeze', ['px_chw'], ['px_nchw'], [{ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [0] }])
      : node('Unsqueeze', ['px_chw', 'px_axis0'], ['px_nchw']),
    node('Shape', ['input_image'], ['px_shape']),
    node('Gather', ['px_shape', 'px_idx_hw'], ['px_hw']),
    node('Sub', ['px_size', 'px_hw'], ['px_pad_hw']),
    node('Concat', ['px_zeros6', 'px_pad_hw'], ['px_pads'], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]),
    node('Pad', ['px_nchw', 'px_pads'], [oldIn]),
  ];
  g.node = [...pre_, ...(g.node ?? [])];
  for (const nd of g.node) nd.output = (nd.output ?? []).map((o) => (o === oldOut ? 'image_embeddings' : o));
  g.output[0].name = 'image_embeddings';
  g.initializer = [...(g.initializer ?? []),
    floats('px_mean', [...pre.pixelMean]), floats('px_std', [...pre.pixelStd]),
    ints('px_idx_hw', [0, 1]), ints('px_size', [n, n]), ints('px_zeros6', [0, 0, 0, 0, 0, 0]), ints('px_axis0', [0])];
  g.input = [{ name: 'input_image', type: { tensorType: { elemType: T.FLOAT, shape: { dim: [{ dimParam: 'height' }, { dimParam: 'width' }, { dimValue: 3 }] } } } }];
  return onnx.ModelProto.encode(model).finish();
}
