/** What kind of file a parsed JSON document is, among the formats import reads. Pure. */
import { ImportError } from '../../core/errors.js';
import { parseCocoImport } from './coco.js';
import { isObject, parseJson } from './json-values.js';
import { parseRecordsImport, recordsKind } from './records.js';
import { isLabelmeDocument, parseLabelmeImport } from './labelme.js';
import { isSa1bDocument, parseSa1bImport } from './sa1b.js';
import type { ImportSet } from './types.js';

/** A single JSON file: COCO, SA-1B, or samkit auto / ground / predict output. */
export function parseJsonImport(text: string, name: string): ImportSet {
  const doc = parseJson(text, name);
  if (isObject(doc) && Array.isArray(doc.images) && Array.isArray(doc.annotations)) return parseCocoImport(text, name);
  if (isSa1bDocument(doc)) return { format: 'sa1b', images: [parseSa1bImport(doc, name, null)] };
  if (isLabelmeDocument(doc)) return { format: 'labelme', images: [parseLabelmeImport(doc, name, null)] };
  if (recordsKind(doc)) {
    const { format, image } = parseRecordsImport(doc, name);
    return { format, images: [image] };
  }
  throw new ImportError(`${name} is not a file import reads: expected COCO instances ({images, annotations}), SA-1B ({image, annotations}), LabelMe / X-AnyLabeling ({shapes, imagePath}), or samkit auto / ground / predict output`);
}
