/** Write files so a reader never sees half of one: write a sibling temp file, then rename it into place. */
import { readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/** `.name.PID.random.tmp`: the temp names writeFileAtomic uses. */
const TEMP_NAME = /^\..+\.(\d+)\.[a-z0-9]+\.tmp$/;
/** A temp file this old is stale even if its pid has been reused by another process. */
const STALE_MS = 60 * 60 * 1000;
const swept = new Set<string>();

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove temp files left in `dir` by writers that were killed between write and rename (their
 * process is gone, or the file is over an hour old). Returns the names removed.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    try {
      const st = await stat(file);
      if (!st.isFile() || (alive(Number(m[1])) && Date.now() - st.mtimeMs < STALE_MS)) continue;
      await rm(file, { force: true });
      removed.push(name);
    } catch {
      // raced with its writer or another sweeper: nothing to do
    }
  }
  return removed;
}

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // Once per folder and process, after the first write there succeeded.
  if (!swept.has(dir)) {
    swept.add(dir);
    await removeStaleTemps(dir);
  }
}
