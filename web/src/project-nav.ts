/** Moving through a project's image list: pure, so the keys' behaviour is unit-tested. */
export interface NavImage { id: string; state: 'not-started' | 'in-progress' | 'done' }

/** The index `step` away from the current image, clamped to the list (no wrap: the ends are visible). */
export function stepIndex(images: readonly NavImage[], currentId: string | null, step: number): number {
  if (images.length === 0) return -1;
  const at = images.findIndex((im) => im.id === currentId);
  if (at < 0) return 0;
  return Math.max(0, Math.min(images.length - 1, at + step));
}

/** The next image after the current one that is not done, wrapping around; -1 when all are done. */
export function nextUnfinished(images: readonly NavImage[], currentId: string | null): number {
  const at = images.findIndex((im) => im.id === currentId);
  for (let k = 1; k <= images.length; k++) {
    const i = (Math.max(at, -1) + k) % images.length;
    if (images[i].state !== 'done' && images[i].id !== currentId) return i;
  }
  return -1;
}

/** The images to compute embeddings for ahead of the user: the next ones in list order. */
export function prefetchIds(images: readonly NavImage[], currentId: string | null, count = 2): string[] {
  const at = images.findIndex((im) => im.id === currentId);
  return images.slice(at + 1, at + 1 + count).map((im) => im.id);
}
