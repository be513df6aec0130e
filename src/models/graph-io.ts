/** Reading a graph's declared inputs and outputs, from an onnxruntime session or from the ONNX file. */
import { readFile } from 'node:fs/promises';
import type ort from 'onnxruntime-node';
import onnxproto from 'onnx-proto';
import { ModelError } from '../core/errors.js';
import type { GraphIO, ValueInfo } from './family.js';

export function sessionIO(session: ort.InferenceSession): GraphIO {
  const one = (m: ort.InferenceSession.ValueMetadata): ValueInfo => (m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name });
  return { inputs: session.inputMetadata.map(one), outputs: session.outputMetadata.map(one) };
}

const TYPE_NAMES: Record<number, string> = { 1: 'float32', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };

/** The I/O of an ONNX file without creating a session (inputs that are initializers are left out). */
export async function fileIO(file: string): Promise<GraphIO> {
  let model: onnxproto.onnx.ModelProto;
  try {
    model = onnxproto.onnx.ModelProto.decode(await readFile(file));
  } catch (err) {
    throw new ModelError(`${file} is not a readable ONNX model: ${(err as Error).message}`, { cause: err });
  }
  const g = model.graph;
  if (!g) throw new ModelError(`${file} is not an ONNX model: it has no graph`);
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  const one = (v: onnxproto.onnx.IValueInfoProto): ValueInfo => {
    const t = v.type?.tensorType;
    const shape = t?.shape?.dim?.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
    return { name: v.name ?? '', type: t?.elemType ? TYPE_NAMES[t.elemType] ?? String(t.elemType) : undefined, shape };
  };
  return { inputs: (g.input ?? []).filter((v) => !inits.has(v.name ?? '')).map(one), outputs: (g.output ?? []).map(one) };
}
