/**
 * A project's annotations as the records `samkit annotate` builds its datasets from, so the whole
 * project exports through the same writers (src/dataset/write.ts) with the same conventions.
 * Pure: the caller reads the folder and the annotation documents.
 */
import type { CocoCategory } from '../dataset/coco.js';
import { numberImages } from '../dataset/coco.js';
import type { DatasetImage, MaskRecord } from '../dataset/records.js';
import type { AnnotationObject } from '../server/protocol.js';
import type { ProjectClass } from './classes.js';

/** What an object without a label is filed under (the generator's own class-agnostic category). */
export const UNLABELLED = 'object';

export interface ProjectExportImage {
  /** Path inside the project folder, posix separators (the dataset's file_name). */
  rel: string;
  /** The image file (copied into a YOLO dataset). */
  source?: string;
  width: number;
  height: number;
  objects: readonly AnnotationObject[];
}

const labelOf = (o: AnnotationObject): string => o.label.trim() || UNLABELLED;

/** The project's classes in their order, then every other label in the order first met. */
export function projectCategories(classes: readonly ProjectClass[], images: readonly ProjectExportImage[]): CocoCategory[] {
  const names = classes.map((c) => c.name);
  for (const im of images) for (const o of im.objects) if (!names.includes(labelOf(o))) names.push(labelOf(o));
  if (names.length === 0) names.push(UNLABELLED);
  return names.map((name, i) => ({ id: i + 1, name, supercategory: 'object' }));
}

/** One object as a generator record (scores null when the object was drawn by hand). */
export function objectRecord(o: AnnotationObject, categoryId: number): MaskRecord {
  return {
    segmentation: o.segmentation,
    area: o.area,
    bbox: o.bbox,
    // The writers print what the record holds: null says "no model score" rather than inventing one.
    predicted_iou: o.predictedIou as number,
    point_coords: o.pointCoords,
    stability_score: o.stabilityScore as number,
    crop_box: o.cropBox,
    category_id: categoryId,
  };
}

/**
 * The dataset: every project image in the given (folder) order, ids numbered as `annotate` numbers
 * them; `stems` are the per-image output names (outputStems of the rels).
 */
export function projectDataset(classes: readonly ProjectClass[], images: readonly ProjectExportImage[], stems: readonly string[]): { images: DatasetImage[]; categories: CocoCategory[] } {
  const categories = projectCategories(classes, images);
  const idOf = new Map(categories.map((c) => [c.name, c.id]));
  const items = images.map((im, index) => ({
    index,
    width: im.width,
    height: im.height,
    fileName: im.rel,
    stem: stems[index],
    source: im.source,
    records: im.objects.map((o) => objectRecord(o, idOf.get(labelOf(o)) as number)),
  }));
  return { images: numberImages(items), categories };
}
