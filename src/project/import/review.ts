/**
 * What the review shows: pending proposals that pass the score and area filters and do not
 * duplicate an accepted object (mask IoU above 0.9). Pure and browser-safe: IoU is computed on the
 * column-major runs (src/core/rle-iou.ts), never on decoded masks.
 */
import { rleIou as runsIou } from '../../core/rle-iou.js';
import { rleToBbox, type CompressedRle } from '../../core/rle.js';
import type { Proposal } from './proposal.js';

/** A proposal this close to an accepted object is the same object. */
export const DUPLICATE_IOU = 0.9;

export interface ReviewFilter {
  /** Proposals with a lower score are hidden (those without a score never are). */
  minScore: number;
  minArea: number;
}

/** IoU of two RLE masks (src/core/rle-iou.ts, on the runs); 0 when their sizes differ. */
export function rleIou(a: CompressedRle, b: CompressedRle): number {
  return a.size[0] !== b.size[0] || a.size[1] !== b.size[1] ? 0 : runsIou(a, b);
}

type Box = [number, number, number, number];
const xyxy = (b: Box): Box => [b[0], b[1], b[0] + b[2], b[1] + b[3]];
const disjoint = (a: Box, b: Box): boolean => a[2] < b[0] || b[2] < a[0] || a[3] < b[1] || b[3] < a[1];

/** Whether the proposal is one of the objects already (IoU > 0.9), boxes compared first. */
export function duplicates(p: Pick<Proposal, 'segmentation' | 'bbox'>, objects: ReadonlyArray<{ segmentation: CompressedRle; bbox?: Box }>): boolean {
  const pb = xyxy(p.bbox);
  return objects.some((o) => !disjoint(pb, xyxy(o.bbox ?? rleToBbox(o.segmentation))) && rleIou(p.segmentation, o.segmentation) > DUPLICATE_IOU);
}

export interface ReviewView {
  /** Shown, in file order. */
  visible: Proposal[];
  /** Pending ones the filters hide. */
  filtered: number;
  /** Pending ones that duplicate an accepted object. */
  duplicate: number;
}

export function reviewView(proposals: readonly Proposal[], objects: ReadonlyArray<{ segmentation: CompressedRle; bbox?: Box }>, filter: ReviewFilter): ReviewView {
  const out: ReviewView = { visible: [], filtered: 0, duplicate: 0 };
  for (const p of proposals) {
    if (p.status !== 'pending') continue;
    if (duplicates(p, objects)) { out.duplicate++; continue; }
    if ((p.score !== null && p.score < filter.minScore) || p.area < filter.minArea) { out.filtered++; continue; }
    out.visible.push(p);
  }
  return out;
}

/**
 * Proposals accepted in this session whose object left the list (undo, delete) go back to pending;
 * those whose object came back (redo) are accepted again. `acceptedAs` maps proposal id -> the id
 * of the object its acceptance made. Returns the status changes to store.
 */
export function reconcileAccepted(
  proposals: readonly Pick<Proposal, 'id' | 'status'>[],
  acceptedAs: ReadonlyMap<string, string>,
  objectIds: ReadonlySet<string>,
): Array<{ id: string; status: 'pending' | 'accepted' }> {
  const out: Array<{ id: string; status: 'pending' | 'accepted' }> = [];
  for (const p of proposals) {
    const objectId = acceptedAs.get(p.id);
    if (objectId === undefined) continue;
    const present = objectIds.has(objectId);
    if (!present && p.status === 'accepted') out.push({ id: p.id, status: 'pending' });
    else if (present && p.status === 'pending') out.push({ id: p.id, status: 'accepted' });
  }
  return out;
}
