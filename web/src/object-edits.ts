/**
 * Edits of the accepted-object list as pure functions: every edit returns a new list (the history
 * keeps old lists as they were) and a changed object is a new object with the same id.
 */
import type { Mask } from '../../src/core/mask.js';
import { decompressRle, maskToCocoRle } from '../../src/core/rle.js';
import type { AnnotationObject } from '../../src/server/protocol.js';

/** The server's limit on points per object (src/server/annotations.ts, a Node-only module). */
export const MAX_OBJECT_POINTS = 256;

/** The object with an edited full-resolution mask: geometry from the mask, model scores dropped. */
export function withEditedMask(o: AnnotationObject, mask: Mask): AnnotationObject {
  const rle = maskToCocoRle(mask);
  // A mask painted by hand has no model score; null says so in every export.
  return {
    ...o, segmentation: { size: rle.size, counts: rle.counts }, area: mask.area, bbox: mask.bbox,
    predictedIou: null, stabilityScore: null, cropBox: [0, 0, mask.width, mask.height],
  };
}

export function replaceObject(list: readonly AnnotationObject[], next: AnnotationObject): AnnotationObject[] {
  return list.map((o) => (o.id === next.id ? next : o));
}

export function removeObject(list: readonly AnnotationObject[], id: string): AnnotationObject[] {
  return list.filter((o) => o.id !== id);
}

/** Move an object to position `to` (clamped) in the list; the same list when nothing moves. */
export function moveObject(list: readonly AnnotationObject[], id: string, to: number): AnnotationObject[] {
  const from = list.findIndex((o) => o.id === id);
  const at = Math.max(0, Math.min(list.length - 1, Math.round(to)));
  if (from < 0 || from === at) return [...list];
  const next = [...list];
  const [o] = next.splice(from, 1);
  next.splice(at, 0, o);
  return next;
}

/** Whether image pixel (x, y) is set in a column-major COCO RLE of height h, read from the runs. */
export function runsContain(counts: ArrayLike<number>, h: number, x: number, y: number): boolean {
  const target = x * h + y;
  let pos = 0;
  for (let k = 0; k < counts.length; k++) {
    pos += counts[k];
    if (target < pos) return (k & 1) === 1;
  }
  return false;
}

/** Decoded run lengths of each object's mask, keyed by the mask string (objects change as a whole). */
const runsCache = new Map<string, number[]>();

function runsOf(o: AnnotationObject): number[] {
  const key = o.segmentation.counts;
  let runs = runsCache.get(key);
  if (!runs) {
    runs = decompressRle({ size: o.segmentation.size, counts: key }).counts;
    if (runsCache.size > 512) runsCache.clear();
    runsCache.set(key, runs);
  }
  return runs;
}

/**
 * The visible object under image point (x, y): the smallest one covering the pixel (so objects inside
 * larger ones stay reachable), the later one in the list (drawn on top) on equal areas; null if none.
 */
export function objectAt(list: readonly AnnotationObject[], x: number, y: number): AnnotationObject | null {
  let best: AnnotationObject | null = null;
  for (const o of list) {
    if (!o.visible) continue;
    const [h, w] = o.segmentation.size;
    const px = Math.floor(x);
    const py = Math.floor(y);
    if (px < 0 || py < 0 || px >= w || py >= h) continue;
    const [bx, by, bw, bh] = o.bbox;
    if (px < bx || py < by || px > bx + bw || py > by + bh) continue;
    const runs = runsOf(o);
    if (!runsContain(runs, h, px, py)) continue;
    if (!best || o.area <= best.area) best = o;
  }
  return best;
}

/**
 * Low-res logits of the decode that made each object version (the official demo's mask input for
 * the next click), by object instance: an undo brings back the old instance and with it its logits.
 * Kept in the page only; objects opened from disk, imported or painted by hand have none.
 */
const logits = new WeakMap<AnnotationObject, Float32Array>();

export function rememberLogits(o: AnnotationObject, lowRes: Float32Array): void {
  logits.set(o, lowRes);
}

export function logitsOf(o: AnnotationObject): Float32Array | null {
  return logits.get(o) ?? null;
}

/** The refinement prompt of an object: its stored points plus the new ones, a new box replacing its box. */
export function refinePrompt(o: AnnotationObject, add: { point?: [number, number, 0 | 1]; box?: [number, number, number, number] }): {
  points: number[]; labels: number[]; box: [number, number, number, number] | null; pointCoords: Array<[number, number]>; pointLabels: number[];
} {
  const pointCoords: Array<[number, number]> = o.pointCoords.map(([x, y]) => [x, y]);
  const pointLabels = [...o.pointLabels];
  if (add.point) { pointCoords.push([add.point[0], add.point[1]]); pointLabels.push(add.point[2]); }
  return { points: pointCoords.flat(), labels: pointLabels, box: add.box ?? o.box, pointCoords, pointLabels };
}
