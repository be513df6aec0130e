/**
 * A small ONNX graph builder: enough to write the decoder graphs we derive from an official export
 * (float tensors, int64 shape constants, nodes with attributes), encoded with onnx-proto.
 */
import onnxproto from 'onnx-proto';

const { onnx } = onnxproto;
const DataType = onnx.TensorProto.DataType;
const ELEM_TYPES = { float32: DataType.FLOAT, int64: DataType.INT64, float16: DataType.FLOAT16 } as const;

export type Dim = number | string;
type AttrValue = number | number[] | string;

export class GraphBuilder {
  private readonly nodes: onnxproto.onnx.INodeProto[] = [];
  private readonly initializers: onnxproto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxproto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxproto.onnx.IValueInfoProto[] = [];
  private counter = 0;
  private readonly int64Consts = new Map<string, string>();

  constructor(private readonly prefix: string) {}

  private fresh(hint: string): string {
    return `${this.prefix}/${hint}_${this.counter++}`;
  }

  input(name: string, dims: Dim[], type: 'float32' | 'int64' | 'float16' = 'float32'): string {
    this.inputs.push(valueInfo(name, dims, ELEM_TYPES[type]));
    return name;
  }

  output(tensor: string, name: string, dims: Dim[], type: 'float32' | 'int64' | 'float16' = 'float32'): void {
    this.nodes.push(onnx.NodeProto.create({ opType: 'Identity', name: `${this.prefix}/out_${name}`, input: [tensor], output: [name] }));
    this.outputs.push(valueInfo(name, dims, ELEM_TYPES[type]));
  }

  /** A float32 initializer. */
  tensor(hint: string, data: Float32Array, dims: number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`initializer ${hint}: ${data.length} values for dims ${dims.join('x')}`);
    const name = this.fresh(hint);
    const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    this.initializers.push(onnx.TensorProto.create({ name, dims, dataType: DataType.FLOAT, rawData: raw }));
    return name;
  }

  scalar(value: number): string {
    return this.tensor('scalar', new Float32Array([value]), []);
  }

  /** An int64 constant (shapes, axes), shared between uses. */
  ints(values: number[]): string {
    const key = values.join(',');
    let name = this.int64Consts.get(key);
    if (!name) {
      name = this.fresh('ints');
      this.initializers.push(onnx.TensorProto.create({ name, dims: [values.length], dataType: DataType.INT64, int64Data: values }));
      this.int64Consts.set(key, name);
    }
    return name;
  }

  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs = 1): string[] {
    const out = Array.from({ length: outputs }, () => this.fresh(opType));
    const attribute = Object.entries(attrs).map(([name, v]) => attributeProto(name, v));
    this.nodes.push(onnx.NodeProto.create({ opType, name: this.fresh(`n_${opType}`), input: inputs, output: out, attribute }));
    return out;
  }

  /** One-output op. */
  o(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.op(opType, inputs, attrs)[0];
  }

  build(opset = 17): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'samkit',
      opsetImport: [{ domain: '', version: opset }],
      graph: { name: this.prefix, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, dims: Dim[], elemType: number = DataType.FLOAT): onnxproto.onnx.IValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
}

function attributeProto(name: string, v: AttrValue): onnxproto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
}
