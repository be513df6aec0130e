/**
 * The loop shared by the batch commands: hash every input, take what an earlier run already stored,
 * run the rest on the runner (as many at once as it has jobs), store each result as soon as it is
 * done, and report progress. A bad image is reported and skipped; Ctrl+C stops cleanly, keeping
 * every finished result for the next run.
 */
import { NotRegularFileError, readRegularFile } from '../io/regular-file.js';
import { SamkitError } from '../core/errors.js';
import { imageKey } from '../store/embedding-store.js';
import type { Runner } from './pool.js';
import type { BatchProgress } from './progress.js';
import type { Task, TaskResult } from './tasks.js';

/** Where finished results are kept between runs (the journal, or the embedding store). */
export interface ResultStore<Entry> {
  get(key: string): Promise<Entry | null>;
  put(key: string, entry: Entry): Promise<void>;
}

export interface EngineItem {
  /** Path to read the image from. */
  path: string;
  /** Name used in messages (path relative to the input folder). */
  label: string;
}

export interface EngineJob<Item extends EngineItem, T extends Task, Entry> {
  items: readonly Item[];
  store: ResultStore<Entry>;
  /** Images computed at once. */
  jobs: number;
  /** Loads the model(s); called only when something is left to compute, with at most one job per image. */
  runner: (jobs: number) => Promise<Runner>;
  progress: BatchProgress;
  /** Store key for an image with this content hash. */
  key(item: Item, sha256: string): string;
  task(item: Item, bytes: Uint8Array, sha256: string): T;
  entry(result: TaskResult<T>, item: Item): Entry;
  /** What progress counts for an entry (masks), 0 when nothing. */
  count(entry: Entry): number;
}

export interface EngineOutcome<Entry> {
  /** Per item, in input order: its stored entry, or null when it failed. */
  entries: Array<Entry | null>;
  failed: number;
  interrupted: boolean;
}

export function errorMessage(err: unknown): string {
  if (err instanceof SamkitError || err instanceof Error) return err.message.split('\n')[0];
  return String(err);
}

async function readImage(item: EngineItem): Promise<Uint8Array> {
  try {
    return await readRegularFile(item.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof NotRegularFileError) throw new Error('not a regular file', { cause: err });
    throw new Error(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errorMessage(err), { cause: err });
  }
}

export async function runEngine<Item extends EngineItem, T extends Task, Entry>(job: EngineJob<Item, T, Entry>): Promise<EngineOutcome<Entry>> {
  const { items, store, progress } = job;
  const keys: Array<string | null> = new Array(items.length).fill(null);
  const entries: Array<Entry | null> = new Array(items.length).fill(null);
  const failures: Array<[number, string]> = [];
  let resumed = 0;
  let resumedCount = 0;
  // First pass: what is already done (hashing is cheap next to the model).
  for (let i = 0; i < items.length; i++) {
    try {
      const key = job.key(items[i], imageKey(await readImage(items[i])));
      keys[i] = key;
      const e = await store.get(key);
      if (e !== null) { entries[i] = e; resumed++; resumedCount += job.count(e); }
    } catch (err) {
      failures.push([i, errorMessage(err)]);
    }
  }
  progress.start(items.length, resumed, resumedCount);
  for (const [i, msg] of failures) progress.imageFailed(items[i].label, msg);

  const todo = items.map((_, i) => i).filter((i) => keys[i] !== null && entries[i] === null);
  const abort = new AbortController();
  let runner: Runner | null = null;
  let interrupts = 0;
  let stoppedBy = 'SIGINT' as NodeJS.Signals;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++interrupts > 1) {
      // Quit now: die by the signal itself (process.exit would tear down workers inside onnxruntime calls).
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.kill(process.pid, signal);
      return;
    }
    stoppedBy = signal;
    abort.abort();
    progress.interrupted('stopping');
    void runner?.close();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (todo.length > 0) {
      runner = await job.runner(Math.min(job.jobs, todo.length));
      await computeAll(job, runner, todo, keys, entries, abort.signal);
    }
  } catch (err) {
    // e.g. the model failed to load: leave the terminal line clean for the error message.
    progress.stopBar();
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runner?.close();
  }
  if (abort.signal.aborted) {
    progress.interrupted('stopped');
    // The shell's codes for a process stopped by SIGINT / SIGTERM.
    process.exitCode = stoppedBy === 'SIGTERM' ? 143 : 130;
    return { entries, failed: 0, interrupted: true };
  }

  // Assemble from the store, never from memory, so a resumed run gives byte-identical output.
  let failed = 0;
  for (let i = 0; i < items.length; i++) {
    const key = keys[i];
    entries[i] = key !== null && entries[i] !== null ? await store.get(key) : null;
    if (entries[i] === null) failed++;
  }
  return { entries, failed, interrupted: false };
}

/** Run the images left to compute, as many at once as the runner has jobs (plus one being read). */
async function computeAll<Item extends EngineItem, T extends Task, Entry>(
  job: EngineJob<Item, T, Entry>, runner: Runner, todo: readonly number[], keys: Array<string | null>, entries: Array<Entry | null>, signal: AbortSignal,
): Promise<void> {
  const { items, store, progress } = job;
  // Images with the same bytes are computed once.
  const inflight = new Map<string, Promise<Entry>>();
  const compute = async (i: number): Promise<void> => {
    const item = items[i];
    let started = performance.now();
    try {
      const bytes = await readImage(item);
      const sha = imageKey(bytes);
      // The file may have changed since the first pass: the bytes used decide the key.
      const key = job.key(item, sha);
      keys[i] = key;
      let pending = inflight.get(key);
      if (!pending) {
        pending = (async () => (await store.get(key)) ?? (async () => {
          const result = await runner.run(job.task(item, bytes, sha), {
            signal,
            source: { path: item.path, sha256: sha },
            onStart: () => { started = performance.now(); },
            onProgress: (f) => progress.partial(item.label, f),
          });
          const entry = job.entry(result, item);
          await store.put(key, entry);
          return entry;
        })())();
        inflight.set(key, pending);
      }
      const entry = await pending;
      entries[i] = entry;
      if (!signal.aborted) progress.imageDone(item.label, job.count(entry), (performance.now() - started) / 1000);
    } catch (err) {
      if (!signal.aborted) progress.imageFailed(item.label, errorMessage(err));
    }
  };
  let next = 0;
  // One more in flight than there are jobs, so the next image is read while the models are busy.
  await Promise.all(Array.from({ length: Math.min(runner.jobs + 1, todo.length) }, async () => {
    while (!signal.aborted && next < todo.length) await compute(todo[next++]);
  }));
}
