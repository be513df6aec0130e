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

const SOURCES: readonly ObjectSource[] = ['hover', 'click', 'box', 'candidate', 'auto'];
export const MAX_OBJECTS = 5000;

function bad(message: string): never {
  throw new HttpError(400, `invalid annotations: ${message}`, 'BAD_ANNOTATIONS');
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function numbers(v: unknown, n: number, what: string): number[] {
  if (!Array.isArray(v) || v.length !== n || !v.every(finite)) bad(`${what} must be ${n} numbers`);
  return v as number[];
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
  const points = Array.isArray(o.pointCoords) ? o.pointCoords.map((p, k) => numbers(p, 2, `${at}: point ${k}`) as [number, number]) : [];
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
    box: o.box === null || o.box === undefined ? null : numbers(o.box, 4, `${at}: box`) as [number, number, number, number],
    cropBox: o.cropBox === undefined ? [0, 0, image.width, image.height] : numbers(o.cropBox, 4, `${at}: cropBox`) as [number, number, number, number],
    source,
    visible: o.visible !== false,
    createdAt: typeof o.createdAt === 'string' ? o.createdAt.slice(0, 40) : new Date().toISOString(),
  };
}

export function validateDoc(body: unknown, image: ImageInfo): AnnotationDoc {
  if (!isObj(body) || !Array.isArray(body.objects)) bad('expected {"objects": [...]}');
  if (body.objects.length > MAX_OBJECTS) bad(`at most ${MAX_OBJECTS} objects per image`);
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
