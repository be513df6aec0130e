/**
 * fp16 exports made without keep_io_types declare float16 inputs and outputs; everything in samkit
 * feeds and reads float32. This wraps such a session so that float32 feeds of float16 inputs are
 * converted (round to nearest even) and float16 outputs come back as float32. Sessions with float32
 * I/O are returned as they are.
 */
import ort from 'onnxruntime-node';
import { float16ToFloat32, float32ToFloat16 } from './float16.js';

const halfNames = (meta: readonly ort.InferenceSession.ValueMetadata[]): Set<string> =>
  new Set(meta.filter((m) => m.isTensor && m.type === 'float16').map((m) => m.name));

export function withFloat32IO(session: ort.InferenceSession): ort.InferenceSession {
  const halfIn = halfNames(session.inputMetadata);
  const halfOut = halfNames(session.outputMetadata);
  if (!halfIn.size && !halfOut.size) return session;
  const run = async (feeds: ort.InferenceSession.FeedsType, ...rest: unknown[]): Promise<ort.InferenceSession.ReturnType> => {
    const converted: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      converted[name] = halfIn.has(name) && t.type === 'float32' ? new ort.Tensor('float16', float32ToFloat16(t.data as Float32Array), t.dims) : t;
    }
    const out = await (session.run as (f: ort.InferenceSession.FeedsType, ...r: unknown[]) => Promise<ort.InferenceSession.ReturnType>)(converted, ...rest);
    const result: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(out)) {
      result[name] = halfOut.has(name) && t.type === 'float16' ? new ort.Tensor('float32', float16ToFloat32(t.data as Uint16Array), t.dims) : t;
    }
    return result;
  };
  return new Proxy(session, {
    get(target, prop) {
      if (prop === 'run') return run;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
