/**
 * Image embeddings for the app: from the embedding store when `samkit embed` (or an earlier
 * session) computed them, else computed once with the encoder and stored for next time.
 */
import type { Size } from '../core/transforms.js';
import { preprocessShape } from '../core/transforms.js';
import type { SamPredictor } from '../predictor.js';
import type { EmbeddingStore } from '../store/embedding-store.js';
import type { ImageLibrary } from './image-library.js';

/** A decoder input besides the embedding (see SamModel.imageInputs). */
export interface ImageInput {
  data: Float32Array;
  dims: number[];
}

export interface AppEmbedding {
  data: Float32Array;
  dims: number[];
  originalSize: Size;
  source: 'memory' | 'store' | 'computed';
  /** The decoder's other image-side inputs by name (none for the official export), for the page. */
  imageInputs: Record<string, ImageInput>;
}

function plainInputs(inputs: Record<string, { data: unknown; dims: readonly number[] }>): Record<string, ImageInput> {
  return Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, { data: t.data as Float32Array, dims: [...t.dims] }]));
}

export class EmbeddingService {
  private readonly inflight = new Map<string, Promise<AppEmbedding>>();
  /** A few recent embeddings (4 MiB each) so switching back and forth does not touch the disk. */
  private readonly recent = new Map<string, AppEmbedding>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Last measured encode time, for the page's progress estimate. */
  encodeMs = 1500;

  constructor(
    private readonly store: EmbeddingStore,
    private readonly predictor: () => Promise<SamPredictor>,
    private readonly library: ImageLibrary,
  ) {}

  async get(id: string): Promise<AppEmbedding> {
    const hit = this.recent.get(id);
    if (hit) {
      this.remember(id, hit);
      return { ...hit, source: 'memory' };
    }
    let pending = this.inflight.get(id);
    if (!pending) {
      pending = this.load(id).finally(() => this.inflight.delete(id));
      this.inflight.set(id, pending);
    }
    return pending;
  }

  private remember(id: string, e: AppEmbedding): void {
    this.recent.delete(id);
    this.recent.set(id, e);
    while (this.recent.size > 4) this.recent.delete(this.recent.keys().next().value as string);
  }

  private async load(id: string): Promise<AppEmbedding> {
    const info = await this.library.require(id);
    const predictor = await this.predictor();
    const modelId = predictor.model.manifest.id;
    const stored = await this.store.get(modelId, id);
    const expected = predictor.model.embeddingShape.join('x');
    // A family whose decoder takes more of the encoder's outputs (SAM 2's features) than the store
    // keeps encodes the image again.
    const storedInputs = stored ? await predictor.model.imageInputs(stored.data) : null;
    if (stored && storedInputs && stored.meta.dims.join('x') === expected
      && stored.meta.originalSize.width === info.width && stored.meta.originalSize.height === info.height) {
      const e: AppEmbedding = { data: stored.data, dims: stored.meta.dims, originalSize: stored.meta.originalSize, source: 'store', imageInputs: plainInputs(storedInputs) };
      this.remember(id, e);
      return e;
    }
    // One encoder run at a time: two at once only share the same cores and both finish later.
    const run = this.queue.then(async () => {
      const rgb = await this.library.rgb(id);
      const t0 = performance.now();
      await predictor.setImage({ data: rgb.data, width: rgb.width, height: rgb.height });
      const emb = predictor.getImageEmbedding();
      predictor.resetImage();
      this.encodeMs = Math.round(performance.now() - t0);
      const originalSize = { width: rgb.width, height: rgb.height };
      const e: AppEmbedding = { data: emb.data, dims: [...emb.dims], originalSize, source: 'computed', imageInputs: plainInputs(await predictor.model.imageInputs(emb.data) ?? {}) };
      try {
        await this.store.put({
          modelId, sha256: id, originalSize, inputSize: preprocessShape(originalSize, predictor.model.preprocess),
          dims: [...emb.dims], source: info.name,
        }, emb.data);
      } catch {
        // A read-only store only costs the encoder run next time.
      }
      this.remember(id, e);
      return e;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
