/**
 * Helpers over automatic mask generator records: sort, filter, and get a record's mask whatever its
 * output mode. Pure; records are never modified.
 */
import { InvalidOptionError } from '../core/errors.js';
import { Mask } from '../core/mask.js';
import { rleToMask, type Rle } from '../core/rle.js';

/** The record fields these helpers use (AmgRecord has them all). */
export interface RecordLike {
  segmentation: Mask | Rle;
  area: number;
  /** [x, y, w, h], w = last column - first column. */
  bbox: readonly [number, number, number, number] | readonly number[];
  predicted_iou: number;
  stability_score: number;
}

export type RecordSortKey = 'area' | 'predicted_iou' | 'stability_score';

/** A new array sorted by `by` (default area), descending unless order is 'asc'; ties keep their order. */
export function sortRecords<R extends RecordLike>(records: readonly R[], by: RecordSortKey = 'area', order: 'desc' | 'asc' = 'desc'): R[] {
  if (by !== 'area' && by !== 'predicted_iou' && by !== 'stability_score') {
    throw new InvalidOptionError(`sort key must be one of area, predicted_iou, stability_score, got ${JSON.stringify(by)}`);
  }
  if (order !== 'desc' && order !== 'asc') throw new InvalidOptionError(`sort order must be 'desc' or 'asc', got ${JSON.stringify(order)}`);
  const sign = order === 'desc' ? -1 : 1;
  return records
    .map((r, i) => [r, i] as const)
    .sort(([a, i], [b, j]) => sign * (a[by] - b[by]) || i - j)
    .map(([r]) => r);
}

/** [x, y, w, h] region in pixel extents: columns x .. x + w - 1, rows y .. y + h - 1. */
export type Region = readonly [number, number, number, number];

export interface RecordFilter {
  /** Inclusive area range in pixels. */
  minArea?: number;
  maxArea?: number;
  minPredictedIou?: number;
  minStabilityScore?: number;
  /** Keep records whose mask box lies entirely inside this region. */
  bboxWithin?: Region;
  /** Keep records whose mask box overlaps this region. */
  bboxIntersects?: Region;
  /** Keep records whose mask box spans at least this many pixels in both directions. */
  minBboxSide?: number;
}

function checkNumber(name: string, v: unknown, min = -Infinity, max = Infinity): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || Number.isNaN(v) || v < min || v > max) {
    throw new InvalidOptionError(`${name} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
}

function checkRegion(name: string, r: unknown): void {
  if (r === undefined) return;
  if (!Array.isArray(r) || r.length !== 4 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || r[2] < 0 || r[3] < 0) {
    throw new InvalidOptionError(`${name} must be [x, y, w, h] with w, h >= 0, got ${JSON.stringify(r)}`);
  }
}

/** Records passing every given criterion, in their original order. */
export function filterRecords<R extends RecordLike>(records: readonly R[], filter: RecordFilter): R[] {
  checkNumber('minArea', filter.minArea, 0);
  checkNumber('maxArea', filter.maxArea, 0);
  checkNumber('minPredictedIou', filter.minPredictedIou);
  checkNumber('minStabilityScore', filter.minStabilityScore);
  checkNumber('minBboxSide', filter.minBboxSide, 0);
  checkRegion('bboxWithin', filter.bboxWithin);
  checkRegion('bboxIntersects', filter.bboxIntersects);
  const { minArea = 0, maxArea = Infinity, minPredictedIou = -Infinity, minStabilityScore = -Infinity, minBboxSide = 0 } = filter;
  return records.filter((r) => {
    if (r.area < minArea || r.area > maxArea) return false;
    if (r.predicted_iou < minPredictedIou || r.stability_score < minStabilityScore) return false;
    const [x, y, w, h] = r.bbox;
    // The box's last column is x + w (inclusive), so it spans w + 1 pixels.
    if (w + 1 < minBboxSide || h + 1 < minBboxSide) return false;
    const inside = filter.bboxWithin;
    if (inside && !(x >= inside[0] && y >= inside[1] && x + w < inside[0] + inside[2] && y + h < inside[1] + inside[3])) return false;
    const touch = filter.bboxIntersects;
    if (touch && !(x < touch[0] + touch[2] && x + w >= touch[0] && y < touch[1] + touch[3] && y + h >= touch[1])) return false;
    return true;
  });
}

/** The record's mask as a Mask, from any output mode (binary_mask, uncompressed_rle, coco_rle). */
export function recordMask(record: Pick<RecordLike, 'segmentation'>): Mask {
  return record.segmentation instanceof Mask ? record.segmentation : rleToMask(record.segmentation);
}
