/**
 * A folder uploaded from the page (an `<input webkitdirectory>` pick: YOLO labels, PNG mask
 * folders with metadata.csv, SA-1B JSON files, an `annotate` output) is written to a private
 * temporary folder under its relative paths and imported from there like a folder on disk; the
 * temporary copy is always removed. Paths are checked before anything is written.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ImportError } from '../core/errors.js';

export interface UploadedFile { rel: string; bytes: Buffer }

/** The relative path of an uploaded file, '/'-separated, or an ImportError naming it. */
export function uploadedPath(name: string): string {
  const parts = name.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.');
  if (!parts.length || parts.some((p) => p === '..' || p.includes('\0')) || /^[A-Za-z]:$/.test(parts[0]) || name.startsWith('/')) {
    throw new ImportError(`the uploaded file name ${JSON.stringify(name)} is not a relative path inside the picked folder`);
  }
  return parts.join('/');
}

/** The folder the files were picked from: their common first path component, if all share one. */
export function pickedRoot(rels: readonly string[]): string {
  const first = rels[0]?.split('/')[0];
  return first !== undefined && rels.every((r) => r.includes('/') && r.split('/')[0] === first) ? first : '';
}

/** Write the files under a temporary folder, run `use` on the picked folder, remove the copy. */
export async function withUploadedFolder<T>(files: readonly UploadedFile[], use: (dir: string, name: string) => Promise<T>): Promise<T> {
  if (!files.length) throw new ImportError('the uploaded folder holds no files');
  const rels = files.map((f) => uploadedPath(f.rel));
  if (new Set(rels).size !== rels.length) throw new ImportError('the upload names the same file twice');
  const tmp = await mkdtemp(path.join(tmpdir(), 'samkit-upload-'));
  try {
    for (let i = 0; i < files.length; i++) {
      const target = path.join(tmp, ...rels[i].split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, files[i].bytes);
    }
    const root = pickedRoot(rels);
    return await use(root ? path.join(tmp, root) : tmp, root || 'upload');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
