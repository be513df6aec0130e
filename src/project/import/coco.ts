/**
 * COCO instances files (`samkit annotate --format coco`, `boxes2masks`, other tools): images matched
 * by file_name, labels from the categories, scores from `score` (detectors) or `predicted_iou`.
 * Pure: the caller reads the file.
 */
import { ImportError } from '../../core/errors.js';
import { CocoFormatError, parseCocoDataset } from '../../dataset/coco.js';
import { isObject, numberOrNull, segmentationShape, sizeField } from './json-values.js';
import type { ImportedImage, ImportSet } from './types.js';

export function parseCocoImport(text: string, name: string): ImportSet {
  let ds;
  try {
    ds = parseCocoDataset(text, name);
  } catch (err) {
    if (err instanceof CocoFormatError) throw new ImportError(err.message);
    throw err;
  }
  const names = new Map<number, string>();
  for (const c of Array.isArray(ds.categories) ? ds.categories : []) {
    if (isObject(c) && Number.isSafeInteger(c.id) && typeof c.name === 'string') names.set(c.id, c.name.trim());
  }
  const byId = new Map<number, ImportedImage>();
  const images = ds.images.map((im, i): ImportedImage => {
    const out: ImportedImage = { ref: { fileName: im.file_name }, width: sizeField(im.width), height: sizeField(im.height), masks: [], where: `${name} images[${i}] (${im.file_name})` };
    byId.set(im.id, out);
    return out;
  });
  ds.annotations.forEach((a, i) => {
    const where = `${name} annotations[${i}]`;
    const cat = a.category_id;
    let label = '';
    if (cat !== undefined) {
      if (!Number.isSafeInteger(cat)) throw new ImportError(`${where}: category_id must be an integer`);
      label = names.get(cat) ?? (names.size ? fail(`${where}: category_id ${cat} is not in "categories"`) : `category ${cat}`);
    }
    const predictedIou = numberOrNull(a.predicted_iou);
    byId.get(a.image_id)!.masks.push({
      shape: segmentationShape(a.segmentation, where),
      label,
      score: numberOrNull(a.score) ?? predictedIou,
      predictedIou,
      stabilityScore: numberOrNull(a.stability_score),
      where,
    });
  });
  return { format: 'coco', images };
}

function fail(message: string): never {
  throw new ImportError(message);
}
