/**
 * COCO instances files: written by `samkit annotate` from generator records, read and rewritten by
 * `samkit boxes2masks`. Masks are pycocotools-compressed RLE (or polygon lists with --polygons).
 */
import type { CompressedRle } from '../core/rle.js';
import type { DatasetImage, MaskRecord } from './records.js';

export interface CocoCategory { id: number; name: string; supercategory?: string; [k: string]: unknown }

export interface CocoImage { id: number; file_name: string; width?: number; height?: number; [k: string]: unknown }

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id?: number;
  bbox?: number[];
  area?: number;
  segmentation?: CompressedRle | { size: [number, number]; counts: number[] } | number[][];
  iscrowd?: number;
  [k: string]: unknown;
}

export interface CocoDataset {
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories?: CocoCategory[];
  [k: string]: unknown;
}

/** The one category of class-agnostic generator output. */
export const OBJECT_CATEGORY: CocoCategory = { id: 1, name: 'object', supercategory: 'object' };

/** COCO polygons: one flat [x0, y0, x1, y1, ...] list per part. */
export type PolygonFn = (record: MaskRecord, image: DatasetImage) => number[][];

export interface CocoWriteOptions {
  /** Written as the file's `info` (keep it free of timestamps: outputs must be reproducible). */
  info: Record<string, unknown>;
  /** Segmentations as polygons instead of RLE. */
  polygons?: PolygonFn;
  /** Categories of labelled masks (default: the one 'object' category). */
  categories?: CocoCategory[];
}

/** The annotation for one generator record, in the field order the COCO tools print. */
function cocoAnnotation(rec: MaskRecord, image: DatasetImage, index: number, polygons?: PolygonFn): CocoAnnotation {
  return {
    id: image.firstAnnotationId + index,
    image_id: image.id,
    category_id: rec.category_id ?? OBJECT_CATEGORY.id,
    segmentation: polygons ? polygons(rec, image) : rec.segmentation,
    area: rec.area,
    bbox: rec.bbox,
    iscrowd: 0,
    predicted_iou: rec.predicted_iou,
    stability_score: rec.stability_score,
    point_coords: rec.point_coords,
    crop_box: rec.crop_box,
    ...(rec.score !== undefined ? { score: rec.score } : {}),
  };
}

/** A generated dataset as UTF-8 JSON. */
export function cocoBytes(images: readonly DatasetImage[], options: CocoWriteOptions): Buffer {
  return datasetBytes({
    info: options.info,
    licenses: [],
    images: images.map((im) => ({ id: im.id, file_name: im.fileName, width: im.width, height: im.height })),
    annotations: images.flatMap((im) => im.records.map((rec, k) => cocoAnnotation(rec, im, k, options.polygons))),
    categories: options.categories ?? [OBJECT_CATEGORY],
  });
}

/**
 * A dataset as UTF-8 JSON (top-level keys in their order), serialised annotation by annotation so a
 * large dataset never has to exist as one JavaScript string.
 */
export function datasetBytes(ds: CocoDataset): Buffer {
  const parts: Buffer[] = [Buffer.from('{')];
  Object.keys(ds).forEach((key, k) => {
    const head = `${k ? ',' : ''}${JSON.stringify(key)}:`;
    if (key !== 'annotations') {
      parts.push(Buffer.from(head + JSON.stringify(ds[key])));
      return;
    }
    parts.push(Buffer.from(`${head}[`));
    ds.annotations.forEach((a, i) => parts.push(Buffer.from(`${i ? ',' : ''}${JSON.stringify(a)}`)));
    parts.push(Buffer.from(']'));
  });
  parts.push(Buffer.from('}\n'));
  return Buffer.concat(parts);
}

/** Number ids for the images that have results: image ids from their input order, annotations consecutive. */
export function numberImages<T extends { index: number; records: readonly unknown[] }>(items: readonly T[]): Array<T & { id: number; firstAnnotationId: number }> {
  let next = 1;
  return items.map((it) => {
    const out = { ...it, id: it.index + 1, firstAnnotationId: next };
    next += it.records.length;
    return out;
  });
}

function fail(what: string): never {
  throw new CocoFormatError(what);
}

export class CocoFormatError extends Error {}

/** Parse and check the parts of a COCO file that boxes2masks relies on; everything else passes through. */
export function parseCocoDataset(text: string, name: string): CocoDataset {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    fail(`${name} is not JSON: ${(err as Error).message}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) fail(`${name} is not a COCO object (expected { images, annotations, ... })`);
  const ds = data as Record<string, unknown>;
  if (!Array.isArray(ds.images)) fail(`${name} has no "images" array`);
  if (!Array.isArray(ds.annotations)) fail(`${name} has no "annotations" array`);
  const ids = new Set<number>();
  ds.images.forEach((im: unknown, i) => {
    const o = im as Record<string, unknown>;
    if (!o || typeof o !== 'object' || typeof o.file_name !== 'string' || o.file_name === '' || !Number.isSafeInteger(o.id)) {
      fail(`${name}: images[${i}] needs an integer "id" and a "file_name"`);
    }
    if (ids.has(o.id as number)) fail(`${name}: image id ${String(o.id)} appears twice`);
    ids.add(o.id as number);
  });
  const annIds = new Set<unknown>();
  ds.annotations.forEach((a: unknown, i) => {
    const o = a as Record<string, unknown>;
    if (!o || typeof o !== 'object' || !Number.isSafeInteger(o.image_id)) fail(`${name}: annotations[${i}] needs an integer "image_id"`);
    if (!ids.has(o.image_id as number)) fail(`${name}: annotations[${i}] refers to image_id ${String(o.image_id)}, which is not in "images"`);
    if (o.id !== undefined && annIds.has(o.id)) fail(`${name}: annotation id ${String(o.id)} appears twice`);
    annIds.add(o.id);
  });
  return ds as CocoDataset;
}

/** A COCO [x, y, w, h] box as XYXY, or null when it is not four finite numbers with w, h >= 0. */
export function cocoBoxToXyxy(bbox: unknown): [number, number, number, number] | null {
  if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((v) => typeof v === 'number' && Number.isFinite(v))) return null;
  const [x, y, w, h] = bbox as number[];
  if (w < 0 || h < 0) return null;
  return [x, y, x + w, y + h];
}
