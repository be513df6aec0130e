/**
 * Finding the images of a batch run: files and folders (recursively) on the command line, kept when
 * their first bytes say JPEG, PNG or WebP, in one sorted order so every run sees the same sequence.
 */
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { NotRegularFileError, openRegular } from '../io/regular-file.js';

export type ImageType = 'jpeg' | 'png' | 'webp';

export interface FoundImage {
  /** Path as it can be opened. */
  path: string;
  /** Path relative to the folder it was found in (posix separators), or the base name for a file argument. */
  rel: string;
  type: ImageType;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface Discovery {
  images: FoundImage[];
  skipped: SkippedFile[];
}

/** The image type from a file's first bytes, or null when it is none of JPEG, PNG, WebP. */
export function sniffImageType(head: Uint8Array): ImageType | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 8 && head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47
    && head[4] === 0x0d && head[5] === 0x0a && head[6] === 0x1a && head[7] === 0x0a) return 'png';
  if (head.length >= 12 && head[0] === 0x52 && head[1] === 0x49 && head[2] === 0x46 && head[3] === 0x46
    && head[8] === 0x57 && head[9] === 0x45 && head[10] === 0x42 && head[11] === 0x50) return 'webp';
  return null;
}

async function readHead(file: string): Promise<Uint8Array> {
  const fh = await openRegular(file);
  try {
    const buf = new Uint8Array(12);
    const { bytesRead } = await fh.read(buf, 0, 12, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Code-unit order, not locale order, so the sequence is the same on every machine. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function walk(dir: string, prefix: string, out: Array<{ path: string; rel: string }>, skipped: SkippedFile[], exclude: ReadonlySet<string>): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    skipped.push({ path: dir, reason: `cannot read folder: ${(err as Error).message}` });
    return;
  }
  for (const e of entries) {
    // Hidden entries include our own journals (`.x.tmp`) and OS litter (.DS_Store, .git).
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (exclude.has(path.resolve(full))) continue;
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) await walk(full, rel, out, skipped, exclude);
    else if (e.isFile() || e.isSymbolicLink()) out.push({ path: full, rel });
  }
}

/**
 * Expand files and folders to the images among them. A named file that is not an image is skipped
 * like one found in a folder; a path that does not exist throws (it is a usage mistake). `exclude`
 * names paths never to enter, such as the run's own output inside the input folder.
 */
export async function discoverImages(inputs: readonly string[], exclude: readonly string[] = []): Promise<Discovery> {
  const excluded = new Set(exclude.map((p) => path.resolve(p)));
  const candidates: Array<{ path: string; rel: string }> = [];
  const skipped: SkippedFile[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = await stat(input);
    } catch {
      throw new MissingInputError(`no such file or folder: ${input}`);
    }
    if (st.isDirectory()) {
      const found: Array<{ path: string; rel: string }> = [];
      await walk(input, '', found, skipped, excluded);
      found.sort((a, b) => compareNames(a.rel, b.rel));
      candidates.push(...found);
    } else {
      candidates.push({ path: input, rel: path.basename(input) });
    }
  }
  const images: FoundImage[] = [];
  for (const c of candidates) {
    let head: Uint8Array;
    try {
      head = await readHead(c.path);
    } catch (err) {
      const reason = err instanceof NotRegularFileError ? 'not a regular file (a named pipe, socket or device)' : `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      skipped.push({ path: c.path, reason });
      continue;
    }
    const type = sniffImageType(head);
    if (type) images.push({ ...c, type });
    else skipped.push({ path: c.path, reason: 'not a JPEG, PNG or WebP image' });
  }
  return { images, skipped };
}

export class MissingInputError extends Error {}

/**
 * Output names for images (relative path without extension, as amg.py names its folders). Images
 * whose names would collide (a.jpg and a.png) keep their extension so no output overwrites another.
 */
export function outputStems(rels: readonly string[]): string[] {
  const stem = (rel: string): string => {
    const ext = path.posix.extname(rel);
    return ext ? rel.slice(0, -ext.length) : rel;
  };
  const counts = new Map<string, number>();
  for (const r of rels) counts.set(stem(r), (counts.get(stem(r)) ?? 0) + 1);
  return rels.map((r) => ((counts.get(stem(r)) ?? 0) > 1 ? r : stem(r)));
}
