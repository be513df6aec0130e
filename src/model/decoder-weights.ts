/**
 * Reads the weights of an official SAM ONNX decoder export by the names the exporter gives its nodes
 * (`/transformer/layers.0/self_attn/q_proj/MatMul`, ...), as float32 arrays in [in, out] layout.
 */
import onnxproto from 'onnx-proto';
import { ModelError } from '../core/errors.js';

const { onnx } = onnxproto;
type TensorProto = onnxproto.onnx.ITensorProto;
type NodeProto = onnxproto.onnx.INodeProto;

export interface Weight {
  data: Float32Array;
  dims: number[];
}

function floats(t: TensorProto): Float32Array {
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) throw new ModelError(`decoder tensor ${t.name} is not float32`);
  if (t.rawData && t.rawData.length) {
    const copy = new Uint8Array(t.rawData);
    return new Float32Array(copy.buffer, 0, copy.length / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

export class DecoderWeights {
  private readonly inits = new Map<string, TensorProto>();
  private readonly nodes = new Map<string, NodeProto>();
  private readonly producers = new Map<string, NodeProto>();

  constructor(bytes: Uint8Array, private readonly source = 'decoder') {
    const graph = onnx.ModelProto.decode(bytes).graph;
    for (const t of graph?.initializer ?? []) this.inits.set(t.name!, t);
    for (const n of graph?.node ?? []) {
      if (n.name) this.nodes.set(n.name, n);
      for (const o of n.output ?? []) this.producers.set(o, n);
    }
  }

  private missing(what: string): ModelError {
    return new ModelError(`${this.source}: not the official SAM decoder export layout (no ${what})`);
  }

  node(name: string): NodeProto {
    const n = this.nodes.get(name);
    if (!n) throw this.missing(`node ${name}`);
    return n;
  }

  /** A constant tensor by name: an initializer or the output of a Constant node. */
  tensor(name: string): Weight {
    const init = this.inits.get(name);
    const t = init ?? this.producers.get(name)?.attribute?.find((a) => a.name === 'value' && this.producers.get(name)?.opType === 'Constant')?.t;
    if (!t) throw this.missing(`constant ${name}`);
    return { data: floats(t), dims: (t.dims ?? []).map(Number) };
  }

  /** Input `index` of a node, which must be constant. */
  nodeInput(nodeName: string, index: number): Weight {
    const name = this.node(nodeName).input?.[index];
    if (!name) throw this.missing(`input ${index} of ${nodeName}`);
    return this.tensor(name);
  }

  /** The constant input of a two-input node (Add/Mul with the constant on either side). */
  constOperand(nodeName: string): Weight {
    const n = this.node(nodeName);
    for (const i of n.input ?? []) if (this.inits.has(i) || this.producers.get(i)?.opType === 'Constant') return this.tensor(i);
    throw this.missing(`constant operand of ${nodeName}`);
  }

  scalar(constantNode: string): number {
    return this.tensor(this.node(constantNode).output![0]).data[0];
  }

  attrFloat(nodeName: string, attr: string): number {
    const a = this.node(nodeName).attribute?.find((x) => x.name === attr);
    if (!a || a.f === undefined || a.f === null) throw this.missing(`attribute ${attr} of ${nodeName}`);
    return a.f;
  }

  /** A torch Linear exported as MatMul + Add: weight [in, out] and bias [out]. */
  linear(prefix: string): { w: Weight; b: Weight } {
    return { w: this.nodeInput(`${prefix}/MatMul`, 1), b: this.constOperand(`${prefix}/Add`) };
  }

  /** A torch Linear exported as Gemm(transB=1): weight returned as [in, out]. */
  gemm(nodeName: string): { w: Weight; b: Weight } {
    const n = this.node(nodeName);
    const transB = Number(n.attribute?.find((a) => a.name === 'transB')?.i ?? 0);
    const w = this.nodeInput(nodeName, 1);
    const b = this.nodeInput(nodeName, 2);
    return { w: transB ? transpose2d(w) : w, b };
  }

  layerNorm(nodeName: string): { g: Weight; b: Weight; eps: number } {
    return { g: this.nodeInput(nodeName, 1), b: this.nodeInput(nodeName, 2), eps: this.attrFloat(nodeName, 'epsilon') };
  }
}

export function transpose2d(w: Weight): Weight {
  const [r, c] = w.dims;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = w.data[i * c + j];
  return { data: out, dims: [c, r] };
}
