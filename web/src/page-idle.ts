/**
 * When background work for later images may start without slowing the current one: the image has
 * been ready for a moment (the first hovers on a new image come before anything else) and the
 * pointer has rested, or, for a person who never stops hovering, a few seconds after it was ready.
 * Used by the loading ahead of the next images (the server's encoder runs, the decoders' per-image
 * parts), which on a small machine otherwise lands on top of the first hovers after a move.
 */

/** The pointer has not moved for this long: a person is looking, not hovering. */
const REST_MS = 300;
/** The image has been ready this long. */
const SETTLE_MS = 800;
/** At the latest this long after the image was ready, resting or not. */
const LATEST_MS = 4000;

let lastMove = 0;
let readySince = Infinity;
let watching = false;

function watch(): void {
  if (watching) return;
  watching = true;
  addEventListener('pointermove', () => { lastMove = performance.now(); }, { capture: true, passive: true });
  const note = (): void => { readySince = document.body.dataset.state === 'ready' ? Math.min(readySince, performance.now()) : Infinity; };
  new MutationObserver(note).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  note();
}

/** Resolves once the open image is settled (see above); waits across image changes for the new one. */
export function whenSettled(): Promise<void> {
  watch();
  return new Promise((resolve) => {
    const check = (): void => {
      const now = performance.now();
      const since = now - readySince;
      const wait = since >= LATEST_MS ? 0 : Math.max(REST_MS - (now - lastMove), SETTLE_MS - since);
      if (document.body.dataset.state === 'ready' && wait <= 0) resolve();
      else window.setTimeout(check, Math.min(500, Math.max(50, wait)));
    };
    check();
  });
}
