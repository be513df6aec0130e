/**
 * A cheap structural check that a file is an ONNX model (a ModelProto protobuf), run on downloads
 * before they enter the cache: an HTML error page or a truncated file is refused at once instead of
 * failing every later load with "Protobuf parsing failed". Only the top-level fields are walked
 * (lengths are skipped, not read), so a 2 GB model costs a few small reads.
 */
import { open } from 'node:fs/promises';

/** ModelProto's top-level field numbers and wire types (onnx.proto3). */
const MODEL_FIELDS = new Map<number, number>([
  [1, 0], // ir_version
  [2, 2], [3, 2], [4, 2], // producer_name, producer_version, domain
  [5, 0], // model_version
  [6, 2], [7, 2], [8, 2], // doc_string, graph, opset_import
  [14, 2], [20, 2], [25, 2], // metadata_props, training_info, functions
]);
const GRAPH_FIELD = 7;

/** Why `file` is not an ONNX model, or null when its top-level structure is one. */
export async function onnxProblem(file: string): Promise<string | null> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size === 0) return 'the file is empty';
    const buf = Buffer.alloc(16);
    let pos = 0;
    let sawGraph = false;
    let sawIrVersion = false;
    for (let fields = 0; pos < size; fields++) {
      if (fields > 100_000) return 'too many top-level fields for an ONNX model';
      const { bytesRead } = await fh.read(buf, 0, 16, pos);
      let at = 0;
      const varint = (): number | null => {
        let v = 0;
        let scale = 1;
        for (let i = 0; i < 10; i++) {
          if (at >= bytesRead) return null;
          const b = buf[at++];
          v += (b & 0x7f) * scale;
          scale *= 128;
          if (!(b & 0x80)) return v;
        }
        return null;
      };
      const key = varint();
      if (key === null) return `the data ends inside a field at byte ${pos}`;
      const field = Math.floor(key / 8);
      const wire = key % 8;
      if (fields === 0 && buf[0] === 0x3c) return 'it is text (an HTML or XML page?), not an ONNX model';
      if (MODEL_FIELDS.get(field) !== wire) return `byte ${pos} is not an ONNX ModelProto field (field ${field}, wire type ${wire})`;
      if (wire === 0) {
        if (varint() === null) return `the data ends inside a number at byte ${pos}`;
        if (field === 1) sawIrVersion = true;
      } else {
        const len = varint();
        if (len === null) return `the data ends inside a length at byte ${pos}`;
        if (pos + at + len > size) return `a field at byte ${pos} runs ${pos + at + len - size} bytes past the end (truncated file?)`;
        if (field === GRAPH_FIELD) sawGraph = true;
        pos += len;
      }
      pos += at;
    }
    if (!sawIrVersion || !sawGraph) return `it has no ${sawGraph ? 'ir_version' : 'graph'}, as every ONNX model does`;
    return null;
  } finally {
    await fh.close();
  }
}
