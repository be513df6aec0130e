/**
 * The decoder worker's side of the image-side worker (image-side-worker.ts): runs the decoder's
 * per-image graph for an embedding on another thread and gives back its outputs. Started on first
 * use; once it fails (no nested workers, a crash) it stays off and callers compute in place.
 */
import type { ImageSideRequest, ImageSideResponse } from './worker-protocol.js';

export interface ImageSideOutputs {
  [name: string]: { data: Float32Array; dims: number[] };
}

export class ImageSideClient {
  private worker: Worker | null = null;
  private failed = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: ImageSideOutputs) => void; reject: (e: Error) => void }>();

  constructor(private readonly imageUrl: string, private readonly threads: number) {}

  /** Whether runs can be sent (false once the worker failed or cannot exist here). */
  get available(): boolean {
    return !this.failed && typeof Worker !== 'undefined';
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('/image-side-worker.js', self.location.origin), { type: 'module', name: 'samkit-image-side' });
    w.onmessage = (e: MessageEvent<ImageSideResponse>) => {
      const p = this.pending.get(e.data.id);
      if (!p) return;
      this.pending.delete(e.data.id);
      if (e.data.ok) p.resolve(Object.fromEntries(e.data.tensors.map((t) => [t.name, { data: t.data, dims: t.dims }])));
      else p.reject(new Error(e.data.error));
    };
    w.onerror = (e) => {
      this.failed = true;
      const err = new Error(`the image-side worker failed: ${e.message || 'script error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      w.terminate();
      this.worker = null;
    };
    w.postMessage({ kind: 'init', imageUrl: this.imageUrl, threads: this.threads } satisfies ImageSideRequest);
    this.worker = w;
    return w;
  }

  /** The image graph's `outputs` for this embedding (its buffer is handed over to the worker). */
  run(embedding: Float32Array, dims: number[], outputs: string[]): Promise<ImageSideOutputs> {
    if (!this.available) return Promise.reject(new Error('the image-side worker is not available'));
    const w = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ kind: 'run', id, embedding, dims, outputs } satisfies ImageSideRequest, [embedding.buffer as ArrayBuffer]);
    });
  }
}
