/**
 * The resumable job journal: one small JSON file per finished image in `<out>.partial/<job>/`, named
 * by a key derived from the image's content hash (and whatever else decides its result). Each entry
 * is written atomically, so a run killed at any moment leaves only whole entries behind; a rerun with
 * the same options finds them and skips those images. The final output is always assembled from the
 * entries, so a resumed run writes exactly what an uninterrupted one would.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';

/** JSON with object keys sorted, so equal options always give the same fingerprint. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Where the journal of a run writing `out` lives. */
export function journalRoot(out: string): string {
  return `${path.resolve(out)}.partial`;
}

export class Journal<Entry> {
  readonly root: string;
  /** This job's entries. */
  readonly dir: string;
  private ready: Promise<void> | null = null;

  /**
   * `job` holds everything that decides per-image results (command, model, options, versions); runs
   * with different jobs keep separate entries, so changing an option never reuses a stale result.
   * Nothing is written before the first entry: a run that computes nothing leaves no journal.
   */
  constructor(out: string, private readonly job: Record<string, unknown>) {
    this.root = journalRoot(out);
    this.dir = path.join(this.root, sha256Hex(stableJson(job)).slice(0, 24));
  }

  private file(key: string): string {
    if (!/^[0-9a-f]{16,128}$/.test(key)) throw new Error(`journal key must be hex, got '${key}'`);
    return path.join(this.dir, `${key}.json`);
  }

  /** The entry for `key`, or null when there is none (an unreadable entry counts as none). */
  async get(key: string): Promise<Entry | null> {
    try {
      return JSON.parse(await readFile(this.file(key), 'utf8')) as Entry;
    } catch {
      return null;
    }
  }

  async put(key: string, entry: Entry): Promise<void> {
    const file = this.file(key);
    this.ready ??= (async () => {
      await mkdir(this.dir, { recursive: true });
      // Informational: what the entries were computed with (not read back).
      await writeFile(path.join(this.dir, 'job.json'), `${JSON.stringify(this.job, null, 2)}\n`);
    })();
    await this.ready;
    await writeFileAtomic(file, JSON.stringify(entry));
  }

  /** Remove the whole journal (all jobs) once the output is complete. */
  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
