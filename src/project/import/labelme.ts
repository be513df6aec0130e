/**
 * LabelMe / X-AnyLabeling per-image JSON as an imported image: area shapes (polygon, rectangle,
 * circle; points and lines are not regions and are skipped) become masks; shapes sharing a label and
 * a non-null group_id are one object (how both tools mark a multi-part object). The image is the
 * file's imagePath, taken relative to the JSON's folder (matched by unique base name when it points
 * elsewhere). Pure.
 */
import { ImportError } from '../../core/errors.js';
import { isObject, numberOrNull } from './json-values.js';
import type { ImportedImage, ImportedMask, LabelmePart } from './types.js';

const AREA_TYPES = new Set(['polygon', 'rectangle', 'circle']);
const SKIPPED_TYPES = new Set(['point', 'line', 'linestrip', 'points']);

export function isLabelmeDocument(doc: unknown): boolean {
  return isObject(doc) && Array.isArray(doc.shapes) && (typeof doc.imagePath === 'string' || typeof doc.imageWidth === 'number');
}

function posixJoin(dir: string, file: string): string {
  const out: string[] = [];
  for (const p of `${dir}/${file}`.replace(/\\/g, '/').split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') out.pop(); else out.push(p);
  }
  return out.join('/');
}

/**
 * `rel`: the JSON's path in the imported folder (null for a single uploaded file), so that imagePath
 * resolves from its folder; without imagePath the JSON's own stem names the image.
 */
export function parseLabelmeImport(doc: unknown, name: string, rel: string | null): ImportedImage {
  if (!isLabelmeDocument(doc)) throw new ImportError(`${name} is not a LabelMe file (expected { shapes, imagePath })`);
  const d = doc as { shapes: unknown[]; imagePath?: unknown; imageWidth?: unknown; imageHeight?: unknown };
  const dir = rel?.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
  const imagePath = typeof d.imagePath === 'string' && d.imagePath ? d.imagePath : null;
  if (!imagePath && rel === null) throw new ImportError(`${name}: the LabelMe file has no imagePath`);
  const objects = new Map<string, { label: string; parts: LabelmePart[]; score: number | null; where: string }>();
  d.shapes.forEach((s, i) => {
    const where = `${name} shapes[${i}]`;
    if (!isObject(s)) throw new ImportError(`${where} is not an object`);
    const type = typeof s.shape_type === 'string' ? s.shape_type : 'polygon';
    if (SKIPPED_TYPES.has(type)) return;
    if (!AREA_TYPES.has(type)) throw new ImportError(`${where}: shape_type '${type}' is not one import reads (polygon, rectangle, circle)`);
    if (!Array.isArray(s.points) || !s.points.every((p) => Array.isArray(p) && p.length === 2 && p.every((c) => typeof c === 'number' && Number.isFinite(c)))) {
      throw new ImportError(`${where}: points must be a list of [x, y] pairs`);
    }
    const points = (s.points as number[][]).flat();
    const need = type === 'polygon' ? 6 : 4;
    if (points.length < need) throw new ImportError(`${where}: a ${type} needs at least ${need / 2} points`);
    const label = typeof s.label === 'string' ? s.label.trim() : '';
    const group = s.group_id === null || s.group_id === undefined ? null : String(s.group_id);
    const key = group === null ? `#${i}` : `${label}\u0000${group}`;
    const part: LabelmePart = { type: type as LabelmePart['type'], points };
    const o = objects.get(key);
    if (o) o.parts.push(part);
    else objects.set(key, { label, parts: [part], score: numberOrNull(s.score), where });
  });
  const masks: ImportedMask[] = [...objects.values()].map((o) => ({
    shape: { kind: 'labelme', parts: o.parts }, label: o.label, score: o.score, predictedIou: null, stabilityScore: null, where: o.where,
  }));
  const width = numberOrNull(d.imageWidth) ?? undefined;
  const height = numberOrNull(d.imageHeight) ?? undefined;
  return {
    ref: imagePath ? { fileName: posixJoin(dir, imagePath) } : { fileName: rel!.replace(/\.json$/i, ''), stem: true },
    ...(width !== undefined ? { width } : {}),
    ...(height !== undefined ? { height } : {}),
    masks,
    where: name,
  };
}
