/** The dataset formats `samkit annotate` writes (kept apart from the writers, which load sharp). */
export type DatasetFormat = 'coco' | 'sa1b' | 'png' | 'yolo';
export const DATASET_FORMATS: readonly DatasetFormat[] = ['coco', 'sa1b', 'png', 'yolo'];

/** Formats whose --out is a folder (one output per image). */
export function writesFolder(format: DatasetFormat): boolean {
  return format !== 'coco';
}
