/**
 * samkit's single-image outputs, which name no image file (the caller chooses the image):
 * `samkit auto` records (a JSON array), `samkit ground` (`{ image, objects }`) and
 * `samkit predict` (`{ image, masks }`). Pure.
 */
import { ImportError } from '../../core/errors.js';
import { isObject, numberOrNull, segmentationShape, sizeField } from './json-values.js';
import type { ImportedImage, ImportFormat } from './types.js';

/** Which of these a parsed JSON document is, or null. */
export function recordsKind(doc: unknown): 'auto' | 'ground' | 'predict' | null {
  if (Array.isArray(doc)) return 'auto';
  if (isObject(doc) && isObject(doc.image) && Array.isArray(doc.objects)) return 'ground';
  if (isObject(doc) && isObject(doc.image) && Array.isArray(doc.masks)) return 'predict';
  return null;
}

export function parseRecordsImport(doc: unknown, name: string): { format: ImportFormat; image: ImportedImage } {
  const kind = recordsKind(doc);
  if (!kind) throw new ImportError(`${name} is not \`samkit auto\`, \`ground\` or \`predict\` output`);
  const list = (kind === 'auto' ? doc : kind === 'ground' ? (doc as { objects: unknown[] }).objects : (doc as { masks: unknown[] }).masks) as unknown[];
  const key = kind === 'auto' ? '' : kind === 'ground' ? 'objects' : 'masks';
  const masks = list.map((r, i) => {
    const where = key ? `${name} ${key}[${i}]` : `${name}[${i}]`;
    if (!isObject(r)) throw new ImportError(`${where} is not an object`);
    // ground: detector score and SAM's predicted IoU; predict: `score` is the predicted IoU.
    const predictedIou = numberOrNull(kind === 'predict' ? r.score : r.predicted_iou);
    return {
      shape: segmentationShape(r.segmentation, where),
      label: kind === 'ground' && typeof r.label === 'string' ? r.label.trim() : '',
      score: kind === 'ground' ? numberOrNull(r.score) ?? predictedIou : predictedIou,
      predictedIou,
      stabilityScore: numberOrNull(r.stability_score),
      where,
    };
  });
  const image = kind === 'auto' ? {} : (doc as { image: Record<string, unknown> }).image;
  return { format: kind, image: { ref: null, width: sizeField(image.width), height: sizeField(image.height), masks, where: name } };
}
