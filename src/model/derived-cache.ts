/**
 * Bookkeeping for files derived from a model file and cached under a key (the rewritten decoder
 * graphs, onnxruntime's optimized graphs). Their keys change with the source's size and mtime, the
 * onnxruntime version and our graph versions, so every reinstall would otherwise leave a full set
 * (tens of MB) behind. Each entry records its source next to it; recording a new entry removes the
 * entries of the same source under other keys, entries whose source is gone, and entries written
 * before sources were recorded.
 */
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileExists } from '../io/file-exists.js';

const SOURCE_SUFFIX = '.source';
/** Unrecorded files younger than this may belong to a writer that has not recorded its entry yet. */
const UNRECORDED_GRACE_MS = 10 * 60 * 1000;

/** An entry's files are `<key>.<anything>`; keys never contain a dot. */
function keyOf(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

/**
 * Record that entry `key` in `dir` was derived from `source`, then prune stale entries. Best effort:
 * a cache that cannot be written or pruned only costs disk space or a rebuild.
 */
export async function recordDerived(dir: string, key: string, source: string): Promise<void> {
  const src = path.resolve(source);
  try {
    await writeFile(path.join(dir, key + SOURCE_SUFFIX), src);
    await pruneDerived(dir, key, src);
  } catch {
    // ignored: see above
  }
}

async function pruneDerived(dir: string, keep: string, source: string): Promise<void> {
  const names = await readdir(dir);
  const recorded = new Map<string, string>();
  for (const name of names) {
    if (!name.endsWith(SOURCE_SUFFIX)) continue;
    const text = await readFile(path.join(dir, name), 'utf8').catch(() => null);
    if (text !== null) recorded.set(name.slice(0, -SOURCE_SUFFIX.length), text.trim());
  }
  const stale = new Set<string>();
  for (const [key, src] of recorded) {
    if (key !== keep && (src === source || !(await fileExists(src)))) stale.add(key);
  }
  const now = Date.now();
  for (const name of names) {
    const key = keyOf(name);
    if (key === keep || stale.has(key) || recorded.has(key)) continue;
    const st = await stat(path.join(dir, name)).catch(() => null);
    if (st && now - st.mtimeMs > UNRECORDED_GRACE_MS) stale.add(key);
  }
  if (stale.size === 0) return;
  await Promise.all(names.filter((n) => stale.has(keyOf(n))).map((n) => rm(path.join(dir, n), { force: true })));
}
