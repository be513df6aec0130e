/**
 * The decoder's per-image state (the low-rank image graph's outputs for one embedding), kept for a
 * few images by image id: the one being annotated, the next one prepared ahead, and the one before.
 * A slot is handed out only for the same image id *and* the same embedding values, so a slot of
 * another image (or of an embedding that changed) is never used. Pure: the worker supplies the run.
 */
import { LruMap } from '../../src/core/lru.js';

/** Current, next (prepared ahead) and previous image: ~32 MB each for SAM's decoder. */
export const PREPARED_SLOTS = 3;

interface Slot<T> {
  embedding: Float32Array;
  value: Promise<T>;
}

/** Same length and the same bits in every element (NaN-safe, -0 distinct from 0). */
export function sameEmbedding(a: Float32Array, b: Float32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export class PreparedImages<T> {
  private readonly slots: LruMap<string, Slot<T>>;

  constructor(capacity = PREPARED_SLOTS) {
    this.slots = new LruMap(capacity);
  }

  get size(): number {
    return this.slots.size;
  }

  /** Image ids held, least recently used first. */
  ids(): string[] {
    return this.slots.keys();
  }

  /**
   * The state for this image, computed with `run` unless a slot holds it for the same embedding
   * (`reused`). The slot keeps its own copy of the embedding to compare later ones with. A run that
   * fails leaves no slot behind.
   */
  prepare(id: string, embedding: Float32Array, run: (embedding: Float32Array) => Promise<T>): { value: Promise<T>; reused: boolean } {
    const found = this.find(id, embedding);
    if (found) return { value: found, reused: true };
    // The copy first: `run` may hand the embedding's buffer to another thread.
    const slot = { embedding: embedding.slice() } as Slot<T>;
    const value = run(embedding);
    slot.value = value;
    this.slots.set(id, slot);
    value.catch(() => { if (this.slots.peek(id) === slot) this.slots.delete(id); });
    return { value, reused: false };
  }

  /** The state prepared for this image id with exactly this embedding, or null. */
  find(id: string, embedding: Float32Array): Promise<T> | null {
    const slot = this.slots.peek(id);
    if (!slot) return null;
    if (!sameEmbedding(slot.embedding, embedding)) {
      this.slots.delete(id); // a stale slot (the image's embedding changed): never used
      return null;
    }
    this.slots.get(id); // most recently used
    return slot.value;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  clear(): void {
    this.slots.clear();
  }
}
