/**
 * Once the next project image's embedding was loaded ahead (image-prefetch.ts), prepare the
 * decoders' per-image state for it while the current image is annotated, so moving on needs neither:
 * the page's worker computes it on its image-side worker into a slot of its own (image-slots.ts),
 * and, when hovers are decoded on the server, has the server prepare the image too
 * (POST /api/images/:id/prepare). It waits until the current image has been ready a moment and the
 * pointer has rested, so it does not compete with the first hovers on it. `?ahead=off`: nothing is
 * prepared.
 *
 * `document.body.dataset.ahead` then names the image prepared (for tests and the benchmark), and
 * `window.__samkitAhead` says what each side did.
 */
import type { DecoderClient } from './decoder-client.js';
import { onPrefetch, type Prefetched } from './image-prefetch.js';
import type { PrepareResult } from './worker-protocol.js';

/** The pointer has not moved for this long: a person is looking, not hovering. */
const REST_MS = 300;
/** The image has been ready this long: the first hovers on a new image come before any preparing. */
const SETTLE_MS = 800;

export interface AheadRecord extends PrepareResult {
  id: string;
}

let lastMove = 0;
let readySince = Infinity;

function resting(): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      const now = performance.now();
      const wait = Math.max(REST_MS - (now - lastMove), SETTLE_MS - (now - readySince));
      if (document.body.dataset.state === 'ready' && wait <= 0) resolve();
      else window.setTimeout(check, Math.min(1000, Math.max(50, wait)));
    };
    check();
  });
}

async function prepareAhead(decoder: DecoderClient, id: string, ahead: Prefetched): Promise<void> {
  const emb = await ahead.embedding.catch(() => null);
  if (!emb) return;
  await resting();
  // Moved there already (the open uses the embedding itself), or its buffer went to the worker.
  if (location.hash.slice(1) === id || emb.data.length === 0) return;
  const done = await decoder.prepare(id, emb.data, emb.dims, new URL(`/api/images/${id}/prepare`, location.href).href).catch(() => null);
  if (!done) return;
  const record: AheadRecord = { id, ...done };
  (window as unknown as { __samkitAhead: AheadRecord }).__samkitAhead = record;
  document.body.dataset.ahead = id;
}

export function mountAheadPrepare(decoder: DecoderClient): void {
  if (new URLSearchParams(location.search).get('ahead') === 'off') return;
  addEventListener('pointermove', () => { lastMove = performance.now(); }, { capture: true, passive: true });
  const noteState = (): void => { readySince = document.body.dataset.state === 'ready' ? Math.min(readySince, performance.now()) : Infinity; };
  new MutationObserver(noteState).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  noteState();
  onPrefetch((id, ahead) => void prepareAhead(decoder, id, ahead));
}
