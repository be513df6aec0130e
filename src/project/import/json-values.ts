/** Small readers for the loosely typed JSON of imported files. Pure. */
import { ImportError } from '../../core/errors.js';
import type { Rle } from '../../core/rle.js';
import type { ImportShape } from './types.js';

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A finite number, else null. */
export function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A positive integer size field, else undefined. */
export function sizeField(v: unknown): number | undefined {
  return Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : undefined;
}

/** JSON.parse with the file named in the error. */
export function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ImportError(`${name} is not JSON: ${(err as Error).message}`);
  }
}

/**
 * A segmentation as COCO and samkit files hold it: RLE ({size, counts} with string or number
 * counts) or a list of polygons (flat [x0, y0, ...] lists).
 */
export function segmentationShape(seg: unknown, what: string): ImportShape {
  if (isObject(seg) && 'counts' in seg && 'size' in seg) return { kind: 'rle', rle: seg as unknown as Rle };
  if (Array.isArray(seg) && seg.length > 0 && seg.every(Array.isArray)) return { kind: 'polygons', rings: seg as number[][] };
  if (seg === undefined || seg === null) throw new ImportError(`${what} has no segmentation (a box alone is no mask: run \`samkit boxes2masks\` on the file first)`);
  throw new ImportError(`${what}: the segmentation is neither RLE {size, counts} nor a list of polygons`);
}
