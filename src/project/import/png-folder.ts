/**
 * PNG mask folders (`samkit annotate --format png`, the official amg.py output): per image a folder
 * `<stem>/` with `<i>.png` masks and a `metadata.csv` row per mask. Pure: the caller reads the
 * files and decodes the PNGs.
 */
import { ImportError } from '../../core/errors.js';
import { METADATA_HEADER } from '../../dataset/png.js';
import type { ImportedImage } from './types.js';

export interface MetadataRow { id: number; predictedIou: number | null; stabilityScore: number | null }

/** metadata.csv as amg.py writes it (header, then one row per mask). */
export function parseMetadataCsv(text: string, name: string): MetadataRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines.shift()?.trim();
  if (header !== METADATA_HEADER) throw new ImportError(`${name}: the header is not amg.py's (${METADATA_HEADER.slice(0, 40)}...)`);
  const cols = METADATA_HEADER.split(',');
  const iIou = cols.indexOf('predicted_iou'), iStab = cols.indexOf('stability_score');
  return lines.map((line, k) => {
    const f = line.split(',');
    if (f.length !== cols.length) throw new ImportError(`${name} row ${k + 1} has ${f.length} fields, expected ${cols.length}`);
    const id = Number(f[0]);
    if (!Number.isSafeInteger(id) || id < 0) throw new ImportError(`${name} row ${k + 1}: id must be an integer >= 0`);
    const num = (s: string): number | null => (Number.isFinite(Number(s)) && s.trim() !== '' ? Number(s) : null);
    return { id, predictedIou: num(f[iIou]), stabilityScore: num(f[iStab]) };
  });
}

/** One image's folder, its masks decoded (0 = out, anything else = in). */
export function pngFolderImage(stem: string, name: string, rows: readonly MetadataRow[], masks: ReadonlyMap<number, { width: number; height: number; data: Uint8Array }>): ImportedImage {
  return {
    ref: { fileName: stem, stem: true },
    masks: rows.map((r) => {
      const m = masks.get(r.id);
      if (!m) throw new ImportError(`${name}: metadata.csv lists mask ${r.id} but ${r.id}.png is missing`);
      return {
        shape: { kind: 'bitmap' as const, width: m.width, height: m.height, data: m.data },
        label: '',
        score: r.predictedIou,
        predictedIou: r.predictedIou,
        stabilityScore: r.stabilityScore,
        where: `${name}/${r.id}.png`,
      };
    }),
    where: name,
  };
}
