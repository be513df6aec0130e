/**
 * The next image, loaded ahead in the page while the current one is annotated: its info, file,
 * decoded bitmap and embedding (the server computes that ahead too). Opening it then skips the
 * network and the image decode; see docs/benchmarks.md ("next image").
 */
import type { ImageInfo } from '../../src/server/protocol.js';
import { api, type EmbeddingResponse } from './api.js';
import { decodeImageBitmap } from './viewer.js';

export interface Prefetched {
  info: Promise<ImageInfo>;
  blob: Promise<Blob>;
  bitmap: Promise<ImageBitmap>;
  embedding: Promise<EmbeddingResponse>;
}

/** One image ahead: each holds a full-resolution bitmap and a 4 MiB embedding. */
const KEEP = 1;
const cache = new Map<string, Prefetched>();
/** Told about each image loaded ahead (ahead-prepare.ts prepares its decoder state from the embedding). */
const listeners: Array<(id: string, p: Prefetched) => void> = [];

export function onPrefetch(listener: (id: string, p: Prefetched) => void): void {
  listeners.push(listener);
}

function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

function drop(id: string): void {
  const p = cache.get(id);
  cache.delete(id);
  p?.bitmap.then((b) => b.close(), () => undefined);
}

export function prefetchImage(id: string): void {
  if (cache.has(id)) return;
  const info = quiet(api.image(id));
  const blob = quiet(api.imageBlob(id));
  const bitmap = quiet(Promise.all([blob, info]).then(([b, i]) => decodeImageBitmap(b, i)));
  const entry = { info, blob, bitmap, embedding: quiet(api.embedding(id)) };
  cache.set(id, entry);
  while (cache.size > KEEP) drop(cache.keys().next().value as string);
  for (const l of listeners) l(id, entry);
}

/** Whether this image is the one loaded ahead now (not taken, not replaced by another). */
export function isPrefetched(id: string): boolean {
  return cache.has(id);
}

/** What was loaded ahead for this image (taken: the caller owns the bitmap), or null. */
export function takePrefetched(id: string): Prefetched | null {
  const p = cache.get(id) ?? null;
  cache.delete(id);
  return p;
}
