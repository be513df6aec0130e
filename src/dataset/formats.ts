/** The dataset formats `samkit annotate` writes (kept apart from the writers, which load sharp). */
export type DatasetFormat = 'coco' | 'sa1b' | 'png' | 'yolo' | 'labelme';
export const DATASET_FORMATS: readonly DatasetFormat[] = ['coco', 'sa1b', 'png', 'yolo', 'labelme'];

/** Formats whose --out is a folder (one output per image). */
export function writesFolder(format: DatasetFormat): boolean {
  return format !== 'coco';
}

/**
 * Where each format goes when one run writes several (`--format coco,yolo`): --out is then a folder,
 * with coco.json for COCO and a sub-folder per folder format. One format writes to --out itself.
 */
export function formatOutputs(out: string, formats: readonly DatasetFormat[], join: (a: string, b: string) => string): Array<{ format: DatasetFormat; out: string }> {
  if (formats.length === 1) return [{ format: formats[0], out }];
  return formats.map((format) => ({ format, out: join(out, format === 'coco' ? 'coco.json' : format) }));
}
