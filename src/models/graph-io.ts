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

/** A protobuf varint at `pos`: [value, next position] (values past 2^53 lose precision; lengths never are). */
function varint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
}

/** Each field of a protobuf message in buf[start, end): its number and, if length-delimited, its bytes. */
function* fields(buf: Uint8Array, start: number, end: number): Generator<{ field: number; bytes: Uint8Array | null }> {
  let pos = start;
  while (pos < end) {
    const [key, p] = varint(buf, pos);
    pos = p;
    const wire = key % 8;
    const field = Math.floor(key / 8);
    if (wire === 0) { pos = varint(buf, pos)[1]; yield { field, bytes: null }; }
    else if (wire === 1) { pos += 8; yield { field, bytes: null }; }
    else if (wire === 5) { pos += 4; yield { field, bytes: null }; }
    else if (wire === 2) {
      const [len, q] = varint(buf, pos);
      if (q + len > end) throw new Error('truncated field');
      yield { field, bytes: buf.subarray(q, q + len) };
      pos = q + len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  if (pos !== end) throw new Error('truncated message');
}

// Field numbers from onnx.proto: ModelProto.graph; GraphProto.initializer, input, output; TensorProto.name.
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const TENSOR_NAME = 8;

/**
 * The I/O of an ONNX file without creating a session (inputs that are initializers are left out).
 * Only the graph's input and output entries are decoded: nodes and weights are skipped over, so a
 * large model's I/O reads in milliseconds.
 */
export async function fileIO(file: string): Promise<GraphIO> {
  const buf = await readFile(file).catch((err: Error) => {
    throw new ModelError(`${file} is not a readable ONNX model: ${err.message}`, { cause: err });
  });
  const inputs: onnxproto.onnx.ValueInfoProto[] = [];
  const outputs: onnxproto.onnx.ValueInfoProto[] = [];
  const inits = new Set<string>();
  let graph = false;
  try {
    for (const m of fields(buf, 0, buf.length)) {
      if (m.field !== MODEL_GRAPH || !m.bytes) continue;
      graph = true;
      const g = m.bytes;
      for (const f of fields(g, 0, g.length)) {
        if (!f.bytes) continue;
        if (f.field === GRAPH_INPUT) inputs.push(onnxproto.onnx.ValueInfoProto.decode(f.bytes));
        else if (f.field === GRAPH_OUTPUT) outputs.push(onnxproto.onnx.ValueInfoProto.decode(f.bytes));
        else if (f.field === GRAPH_INITIALIZER) {
          for (const t of fields(f.bytes, 0, f.bytes.length)) if (t.field === TENSOR_NAME && t.bytes) inits.add(new TextDecoder().decode(t.bytes));
        }
      }
    }
  } catch (err) {
    throw new ModelError(`${file} is not a readable ONNX model: ${(err as Error).message}`, { cause: err });
  }
  if (!graph) throw new ModelError(`${file} is not an ONNX model: it has no graph`);
  const one = (v: onnxproto.onnx.IValueInfoProto): ValueInfo => {
    const t = v.type?.tensorType;
    const shape = t?.shape?.dim?.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));
    return { name: v.name ?? '', type: t?.elemType ? TYPE_NAMES[t.elemType] ?? String(t.elemType) : undefined, shape };
  };
  return { inputs: inputs.filter((v) => !inits.has(v.name ?? '')).map(one), outputs: outputs.map(one) };
}
