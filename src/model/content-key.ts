/**
 * A model file's content hash, for cache keys: identical models installed in different places (two
 * checkouts, a consumer project) share one set of derived and optimized graphs. Hashing 100 MB on
 * every start would cost a noticeable moment, so the hash is remembered under the file's path, size
 * and mtime (cacheDir/content-keys/), and recomputed only when one of those changes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

async function hashFile(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** sha256 (hex) of the file's bytes; the remembered value is used while path, size and mtime are unchanged. */
export async function contentKey(file: string, cacheDir: string): Promise<string> {
  const st = await stat(file);
  const id = createHash('sha256').update(`${path.resolve(file)}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 32);
  const memo = path.join(cacheDir, 'content-keys', `${id}.sha256`);
  const known = await readFile(memo, 'utf8').catch(() => '');
  if (/^[0-9a-f]{64}$/.test(known.trim())) return known.trim();
  const sha = await hashFile(file);
  // Best effort: an unwritable cache only means hashing again next time.
  await mkdir(path.dirname(memo), { recursive: true }).then(() => writeFile(memo, sha)).catch(() => undefined);
  return sha;
}
