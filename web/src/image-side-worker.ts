/**
 * The decoder's per-image part for images prepared ahead, in a worker of its own (started by the
 * decoder worker): the low-rank image graph in its own onnxruntime-web, so its 0.5-1.5 s run for the
 * next image never holds up the decoder worker's hovers on the current one. Same graph, same
 * onnxruntime-web build and options as the decoder worker's, so the tensors are the same.
 */
import * as ort from 'onnxruntime-web/wasm';
import type { ImageSideRequest, ImageSideResponse } from './worker-protocol.js';

let session: Promise<ort.InferenceSession> | null = null;

async function start(req: Extract<ImageSideRequest, { kind: 'init' }>): Promise<ort.InferenceSession> {
  ort.env.wasm.wasmPaths = new URL('/ort/', self.location.origin).href;
  ort.env.wasm.numThreads = self.crossOriginIsolated === true ? Math.max(1, req.threads) : 1;
  const res = await fetch(req.imageUrl);
  if (!res.ok) throw new Error(`could not load the decoder's image graph (HTTP ${res.status})`);
  return ort.InferenceSession.create(new Uint8Array(await res.arrayBuffer()), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
}

async function run(req: Extract<ImageSideRequest, { kind: 'run' }>): Promise<ImageSideResponse & { ok: true }> {
  if (!session) throw new Error('the image-side worker was not started');
  const s = await session;
  const out = await s.run({ image_embeddings: new ort.Tensor('float32', req.embedding, req.dims) });
  const tensors = req.outputs.map((name) => {
    const t = out[name];
    if (!t) throw new Error(`the image graph has no output ${name}`);
    return { name, data: t.data as Float32Array, dims: [...t.dims] };
  });
  for (const [name, t] of Object.entries(out)) if (!req.outputs.includes(name)) t.dispose?.();
  return { id: req.id, ok: true, tensors };
}

self.onmessage = (e: MessageEvent<ImageSideRequest>) => {
  const req = e.data;
  if (req.kind === 'init') {
    session = start(req);
    session.catch(() => undefined);
    return;
  }
  run(req).then(
    (r) => (self as unknown as Worker).postMessage(r, r.tensors.map((t) => t.data.buffer as ArrayBuffer)),
    (err: unknown) => (self as unknown as Worker).postMessage({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies ImageSideResponse),
  );
};
