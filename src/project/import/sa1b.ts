/**
 * SA-1B style per-image JSON (`samkit annotate --format sa1b`, Meta's SA-1B release):
 * `{ image: { file_name?, width, height }, annotations: [...] }`. Files without a file_name are
 * matched by their path in the imported folder (the output stem). Pure.
 */
import { ImportError } from '../../core/errors.js';
import { isObject, numberOrNull, segmentationShape, sizeField } from './json-values.js';
import type { ImportedImage } from './types.js';

export function isSa1bDocument(doc: unknown): boolean {
  return isObject(doc) && isObject(doc.image) && Array.isArray(doc.annotations);
}

/**
 * One SA-1B file as an imported image. `stem`: the file's path in the folder without `.json`, used
 * when the file names no image; `classes`: category names by id - 1 (SA-1B files carry none).
 */
export function parseSa1bImport(doc: unknown, name: string, stem: string | null, classes: readonly string[] = []): ImportedImage {
  if (!isSa1bDocument(doc)) throw new ImportError(`${name} is not an SA-1B file (expected { image, annotations })`);
  const d = doc as { image: Record<string, unknown>; annotations: unknown[] };
  const fileName = typeof d.image.file_name === 'string' && d.image.file_name ? d.image.file_name : null;
  if (!fileName && stem === null) throw new ImportError(`${name}: the SA-1B image has no file_name`);
  const masks = d.annotations.map((a, i) => {
    const where = `${name} annotations[${i}]`;
    if (!isObject(a)) throw new ImportError(`${where} is not an object`);
    const cat = a.category_id;
    if (cat !== undefined && !(Number.isSafeInteger(cat) && (cat as number) >= 1)) throw new ImportError(`${where}: category_id must be an integer >= 1`);
    const predictedIou = numberOrNull(a.predicted_iou);
    return {
      shape: segmentationShape(a.segmentation, where),
      label: cat === undefined ? '' : classes[(cat as number) - 1] ?? `category ${String(cat)}`,
      score: numberOrNull(a.score) ?? predictedIou,
      predictedIou,
      stabilityScore: numberOrNull(a.stability_score),
      where,
    };
  });
  return {
    ref: fileName ? { fileName } : { fileName: stem!, stem: true },
    width: sizeField(d.image.width),
    height: sizeField(d.image.height),
    masks,
    where: name,
  };
}
