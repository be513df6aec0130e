/**
 * Which files of a picked folder the page uploads for an import: the ones the importers read
 * (labels, masks, JSON, csv, yaml), never the photos of a YOLO dataset's images/ folder or hidden
 * folders (.samkit, .git). Pure, so the choice is unit-tested.
 */
const READ = /\.(json|txt|ya?ml|csv|png)$/i;

export function filesToUpload<T extends { path: string }>(files: readonly T[]): T[] {
  const segments = (p: string): string[] => p.split('/');
  const yolo = files.some((f) => segments(f.path).slice(0, -1).includes('labels'));
  return files.filter((f) => {
    const dirs = segments(f.path).slice(0, -1);
    if (dirs.some((d) => d.startsWith('.'))) return false;
    if (yolo && dirs.includes('images')) return false;
    return READ.test(f.path);
  });
}
