/**
 * YOLO segmentation datasets (Ultralytics layout, `samkit annotate --format yolo`): one
 * `labels/<stem>.txt` per image with `<class> x0 y0 x1 y1 ...` lines (normalised), class names
 * from `classes.txt` or `data.yaml`. Pure: the caller reads the files.
 */
import { parse as parseYaml } from 'yaml';
import { ImportError } from '../../core/errors.js';
import { isObject } from './json-values.js';
import type { ImportedImage } from './types.js';

/** classes.txt: one name per line, class = line index. */
export function parseClassesTxt(text: string): string[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** data.yaml's `names`: a list, or a map of class index to name. */
export function parseDataYamlNames(text: string, name: string): string[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ImportError(`${name} is not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const names = isObject(doc) ? doc.names : undefined;
  if (Array.isArray(names)) return names.map((n) => String(n));
  if (isObject(names)) {
    const out: string[] = [];
    for (const [k, v] of Object.entries(names)) {
      const i = Number(k);
      if (!Number.isSafeInteger(i) || i < 0) throw new ImportError(`${name}: names has the key ${JSON.stringify(k)}, not a class index`);
      out[i] = String(v);
    }
    return Array.from(out, (n, i) => n ?? `class ${i}`);
  }
  throw new ImportError(`${name} has no "names" list`);
}

/**
 * One label file. `stem`: its path under labels/ without `.txt` (the image's output stem); lines
 * with 5 numbers are detection boxes, which hold no mask, and are refused.
 */
export function parseYoloLabels(text: string, name: string, stem: string, classes: readonly string[]): ImportedImage {
  const masks: ImportedImage['masks'] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (!t) return;
    const where = `${name} line ${i + 1}`;
    const values = t.split(/\s+/).map(Number);
    if (values.some((v) => !Number.isFinite(v))) throw new ImportError(`${where}: expected numbers, got ${JSON.stringify(t.slice(0, 60))}`);
    const [cls, ...ring] = values;
    if (!Number.isSafeInteger(cls) || cls < 0) throw new ImportError(`${where}: the class must be an integer >= 0, got ${cls}`);
    if (ring.length === 4) throw new ImportError(`${where} is a detection box (class cx cy w h), not a segmentation polygon`);
    if (ring.length < 6 || ring.length % 2 !== 0) throw new ImportError(`${where}: a polygon needs at least 3 x y pairs after the class`);
    if (classes.length && cls >= classes.length) throw new ImportError(`${where}: class ${cls} is not in the ${classes.length} class names`);
    masks.push({ shape: { kind: 'yolo', ring }, label: classes[cls] ?? `class ${cls}`, score: null, predictedIou: null, stabilityScore: null, where });
  });
  return { ref: { fileName: stem, stem: true }, masks, where: name };
}
