/**
 * Once the next project image's embedding was loaded ahead (image-prefetch.ts), prepare the
 * decoders' per-image state for it while the current image is annotated, so moving on needs neither:
 * the page's worker computes it on its image-side worker into a slot of its own (image-slots.ts),
 * and, when hovers are decoded on the server, has the server prepare the image too
 * (POST /api/images/:id/prepare). It waits until the current image is settled (page-idle.ts), so
 * it does not compete with the first hovers on it. `?ahead=off`: nothing is prepared.
 *
 * `document.body.dataset.ahead` then names the image prepared (for tests and the benchmark), and
 * `window.__samkitAhead` says what each side did.
 */
import type { DecoderClient } from './decoder-client.js';
import { isPrefetched, onPrefetch, type Prefetched } from './image-prefetch.js';
import { whenSettled } from './page-idle.js';
import type { PrepareResult } from './worker-protocol.js';

export interface AheadRecord extends PrepareResult {
  id: string;
}

async function prepareAhead(decoder: DecoderClient, id: string, ahead: Prefetched): Promise<void> {
  const emb = await ahead.embedding.catch(() => null);
  if (!emb) return;
  await whenSettled();
  // Moved there already (the open uses the embedding itself) or elsewhere (another image is next now).
  if (!isPrefetched(id) || location.hash.slice(1) === id || emb.data.length === 0) return;
  const done = await decoder.prepare(id, emb.data, emb.dims, new URL(`/api/images/${id}/prepare`, location.href).href).catch(() => null);
  if (!done) return;
  const record: AheadRecord = { id, ...done };
  (window as unknown as { __samkitAhead: AheadRecord }).__samkitAhead = record;
  document.body.dataset.ahead = id;
}

export function mountAheadPrepare(decoder: DecoderClient): void {
  if (new URLSearchParams(location.search).get('ahead') === 'off') return;
  onPrefetch((id, ahead) => void prepareAhead(decoder, id, ahead));
}
