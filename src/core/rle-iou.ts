/**
 * Intersection over union of two masks given as COCO RLE (either form), walking both run lists at
 * once: no mask is decoded, so comparing a proposal with every accepted object stays cheap.
 */
import { InvalidArgumentError } from './errors.js';
import { decompressRle, type Rle } from './rle.js';

function countsOf(rle: Rle): number[] {
  return typeof rle.counts === 'string' ? decompressRle({ size: rle.size, counts: rle.counts }).counts : rle.counts;
}

export function rleIou(a: Rle, b: Rle): number {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) throw new InvalidArgumentError(`RLE masks of different sizes: ${a.size.join('x')} and ${b.size.join('x')}`);
  const ca = countsOf(a);
  const cb = countsOf(b);
  let ia = 0, ib = 0;
  let leftA = ca[0] ?? 0, leftB = cb[0] ?? 0;
  let inter = 0, areaA = 0, areaB = 0;
  // Run k is set when k is odd; step to the nearer end of the two current runs.
  while (ia < ca.length && ib < cb.length) {
    if (leftA === 0) { ia++; leftA = ca[ia] ?? 0; continue; }
    if (leftB === 0) { ib++; leftB = cb[ib] ?? 0; continue; }
    const step = Math.min(leftA, leftB);
    const sa = ia & 1, sb = ib & 1;
    if (sa) areaA += step;
    if (sb) areaB += step;
    if (sa && sb) inter += step;
    leftA -= step;
    leftB -= step;
  }
  const union = areaA + areaB - inter;
  return union === 0 ? 0 : inter / union;
}

/** Whether `rle` covers the same object as one of `others` (IoU above `threshold`). */
export function duplicatesAny(rle: Rle, others: readonly Rle[], threshold = 0.9): boolean {
  return others.some((o) => o.size[0] === rle.size[0] && o.size[1] === rle.size[1] && rleIou(rle, o) > threshold);
}
