/** The work of `samkit embed`: the embedding store is its own journal (entries are content-addressed). */
import { CliUsageError } from '../cli/args.js';
import { EmbeddingStore } from '../store/embedding-store.js';
import type { ModelSource } from '../model/sam-model.js';
import { discoverImages, MissingInputError } from './discover.js';
import { runEngine } from './engine.js';
import { manifestOf } from './pool.js';
import { chooseRunner } from './queue/choose.js';
import type { RedisTarget } from './queue/redis-url.js';
import { BatchProgress, type ProgressMode } from './progress.js';
import type { EmbedTask } from './tasks.js';

export interface EmbedRun {
  inputs: string[];
  out: string;
  model?: ModelSource;
  jobs: number;
  mode: ProgressMode;
  /** Hand the images to `samkit worker` processes through this Redis instead of running them here. */
  queue?: RedisTarget;
}

export async function embed(run: EmbedRun): Promise<{ stored: number; failed: number; interrupted: boolean }> {
  const progress = new BatchProgress('embed', run.mode, null);
  let found;
  try {
    found = await discoverImages(run.inputs, [run.out]);
  } catch (err) {
    if (err instanceof MissingInputError) throw new CliUsageError(err.message);
    throw err;
  }
  for (const s of found.skipped) progress.note(`skipping ${s.path}: ${s.reason}`);
  if (found.images.length === 0) throw new Error(`no JPEG, PNG or WebP images in ${run.inputs.join(', ')}`);

  const store = new EmbeddingStore(run.out);
  const manifest = await manifestOf(run.model);
  const modelId = manifest.id;
  const outcome = await runEngine({
    items: found.images.map((im) => ({ ...im, label: im.path })),
    store: {
      get: async (key) => ((await store.has(modelId, key)) ? true : null),
      // The worker wrote the entry already (the embedding never crosses threads).
      put: async () => {},
    },
    ...chooseRunner(manifest, run.jobs, run.queue, progress),
    progress,
    key: (_item, sha) => sha,
    task: (item, bytes, sha): EmbedTask => ({ kind: 'embed', name: item.path, bytes, sha256: sha, store: run.out, source: item.path }),
    entry: () => true,
    count: () => 0,
  });
  if (outcome.interrupted) return { stored: 0, failed: 0, interrupted: true };
  progress.finish(`${run.out}/${modelId}/`);
  if (outcome.failed > 0) process.exitCode = 1;
  return { stored: found.images.length - outcome.failed, failed: outcome.failed, interrupted: false };
}
