/**
 * Per-image annotation documents, saved whole on every change (atomic replace), so a reload or a
 * crash loses nothing. Documents from the page are validated and their geometry recomputed from
 * the masks, so exports never depend on what the client claimed.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { rleArea, rleToBbox } from '../core/rle.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { HttpError } from './http-error.js';
import { checkImageId } from './image-library.js';
import type { AnnotationDoc, AnnotationObject, ImageInfo, ObjectSource } from './protocol.js';

const SOURCES: readonly ObjectSource[] = ['hover', 'click', 'box', 'candidate', 'auto', 'import'];
export const MAX_OBJECTS = 5000;
/** Largest annotation document accepted, in bytes of JSON (the RLE strings are most of it). */
export const MAX_DOC_BYTES = 32 * 1024 * 1024;
/** Most prompt points kept with one object (a click session adds a few; the generator one). */
export const MAX_OBJECT_POINTS = 256;

function bad(message: string): never {
  throw new HttpError(400, `invalid annotations: ${message}`, 'BAD_ANNOTATIONS');
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function numbers(v: unknown, n: number, what: string): number[] {
  if (!Array.isArray(v) || v.length !== n || !v.every(finite)) bad(`${what} must be ${n} numbers`);
  return v as number[];
}

/** A point in the image (edges included, as the page's pointer coordinates can be). */
function point(v: unknown, image: ImageInfo, what: string): [number, number] {
  const [x, y] = numbers(v, 2, what);
  if (x < 0 || y < 0 || x > image.width || y > image.height) bad(`${what} (${x}, ${y}) is outside the ${image.width}x${image.height} image`);
  return [x, y];
}

/** An [x0, y0, x1, y1] box inside the image with x0 <= x1 and y0 <= y1. */
function xyxyBox(v: unknown, image: ImageInfo, what: string): [number, number, number, number] {
  const [x0, y0, x1, y1] = numbers(v, 4, what);
  if (x0 > x1 || y0 > y1) bad(`${what} [${x0}, ${y0}, ${x1}, ${y1}] is inverted (want x0 <= x1, y0 <= y1)`);
  if (x0 < 0 || y0 < 0 || x1 > image.width || y1 > image.height) bad(`${what} [${x0}, ${y0}, ${x1}, ${y1}] is outside the ${image.width}x${image.height} image`);
  return [x0, y0, x1, y1];
}

/** The generator's crop box, [x0, y0, w, h] as the official records write it, inside the image. */
function xywhBox(v: unknown, image: ImageInfo, what: string): [number, number, number, number] {
  const [x, y, w, h] = numbers(v, 4, what);
  if (w < 0 || h < 0 || x < 0 || y < 0 || x + w > image.width || y + h > image.height) bad(`${what} [${x}, ${y}, ${w}, ${h}] (x, y, width, height) is not inside the ${image.width}x${image.height} image`);
  return [x, y, w, h];
}

function optionalScore(v: unknown, what: string): number | null {
  if (v === null || v === undefined) return null;
  if (!finite(v)) bad(`${what} must be a number or null`);
  return v;
}

/** Check one object against the image and normalise it. */
export function validateObject(o: unknown, image: ImageInfo, i: number): AnnotationObject {
  const at = `object ${i}`;
  if (!isObj(o)) bad(`${at} is not an object`);
  if (typeof o.id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(o.id)) bad(`${at}: id must be 1-64 letters, digits, '_' or '-'`);
  if (typeof o.label !== 'string' || o.label.length > 200) bad(`${at}: label must be a string of at most 200 characters`);
  const seg = o.segmentation;
  if (!isObj(seg) || typeof seg.counts !== 'string' || !Array.isArray(seg.size)) bad(`${at}: segmentation must be a COCO RLE {size, counts: string}`);
  const size = numbers(seg.size, 2, `${at}: segmentation.size`);
  if (size[0] !== image.height || size[1] !== image.width) bad(`${at}: mask is ${size[1]}x${size[0]}, the image is ${image.width}x${image.height}`);
  const segmentation = { size: [size[0], size[1]] as [number, number], counts: seg.counts };
  let area: number;
  let bbox: [number, number, number, number];
  try {
    area = rleArea(segmentation);
    bbox = rleToBbox(segmentation);
  } catch (err) {
    bad(`${at}: ${(err as Error).message}`);
  }
  if (area === 0) bad(`${at}: the mask is empty`);
  const source = SOURCES.includes(o.source as ObjectSource) ? (o.source as ObjectSource) : 'click';
  if (Array.isArray(o.pointCoords) && o.pointCoords.length > MAX_OBJECT_POINTS) bad(`${at}: at most ${MAX_OBJECT_POINTS} points per object, got ${o.pointCoords.length}`);
  const points = Array.isArray(o.pointCoords) ? o.pointCoords.map((p, k) => point(p, image, `${at}: point ${k}`)) : [];
  if (Array.isArray(o.pointLabels) && o.pointLabels.length !== points.length) bad(`${at}: pointLabels and pointCoords differ in length`);
  const labels = Array.isArray(o.pointLabels) ? o.pointLabels.map((l) => (l === 0 ? 0 : 1)) : points.map(() => 1);
  if (labels.length !== points.length) bad(`${at}: pointLabels and pointCoords differ in length`);
  return {
    id: o.id,
    label: o.label.trim(),
    segmentation,
    area,
    bbox,
    predictedIou: optionalScore(o.predictedIou, `${at}: predictedIou`),
    stabilityScore: optionalScore(o.stabilityScore, `${at}: stabilityScore`),
    pointCoords: points,
    pointLabels: labels,
    box: o.box === null || o.box === undefined ? null : xyxyBox(o.box, image, `${at}: box`),
    cropBox: o.cropBox === undefined ? [0, 0, image.width, image.height] : xywhBox(o.cropBox, image, `${at}: cropBox`),
    source,
    visible: o.visible !== false,
    createdAt: typeof o.createdAt === 'string' ? o.createdAt.slice(0, 40) : new Date().toISOString(),
  };
}

export function validateDoc(body: unknown, image: ImageInfo): AnnotationDoc {
  if (!isObj(body) || !Array.isArray(body.objects)) bad('expected {"objects": [...]}');
  if (body.objects.length > MAX_OBJECTS) bad(`at most ${MAX_OBJECTS} objects per image`);
  let chars = 0;
  for (const o of body.objects) if (isObj(o) && isObj(o.segmentation) && typeof o.segmentation.counts === 'string') chars += o.segmentation.counts.length;
  if (chars > MAX_DOC_BYTES) bad(`the masks take ${chars} characters; at most ${MAX_DOC_BYTES} per image`);
  const objects = body.objects.map((o, i) => validateObject(o, image, i));
  const ids = new Set(objects.map((o) => o.id));
  if (ids.size !== objects.length) bad('object ids must be unique');
  return { version: 1, imageId: image.id, objects, updatedAt: new Date().toISOString() };
}

export class AnnotationStore {
  private readonly dir: string;
  /** Writes per image are chained so an older document never lands after a newer one. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(root: string) {
    this.dir = path.join(root, 'annotations');
  }

  private file(id: string): string {
    return path.join(this.dir, `${checkImageId(id)}.json`);
  }

  async get(id: string): Promise<AnnotationDoc | null> {
    try {
      return JSON.parse(await readFile(this.file(id), 'utf8')) as AnnotationDoc;
    } catch {
      return null;
    }
  }

  async updatedAt(id: string): Promise<Date | null> {
    try {
      return (await stat(this.file(id))).mtime;
    } catch {
      return null;
    }
  }

  async put(doc: AnnotationDoc): Promise<void> {
    const prev = this.chains.get(doc.imageId) ?? Promise.resolve();
    const next = prev.then(async () => {
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(this.file(doc.imageId), JSON.stringify(doc));
    });
    this.chains.set(doc.imageId, next.catch(() => undefined));
    await next;
  }
}
