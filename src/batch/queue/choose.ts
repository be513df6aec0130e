/**
 * Which runner a batch command uses: the in-process / worker-thread one by default, the queue with
 * `--queue`. BullMQ is loaded only for the queue, so local runs do not pay for it.
 */
import type { ModelManifest } from '../../model/manifest.js';
import { createRunner, type Runner } from '../pool.js';
import type { BatchProgress } from '../progress.js';
import type { RedisTarget } from './redis-url.js';
import { importOptional } from '../../runtime/optional-import.js';

/**
 * Images a coordinator keeps in the queue at once. The engine holds their bytes while it waits, so
 * this bounds its memory; workers beyond this many would idle.
 */
export const QUEUE_WINDOW = 256;

export interface RunnerChoice {
  jobs: number;
  runner: (jobs: number) => Promise<Runner>;
}

export function chooseRunner(manifest: ModelManifest, jobs: number, queue: RedisTarget | undefined, progress: BatchProgress): RunnerChoice {
  if (!queue) return { jobs, runner: (n) => createRunner({ model: manifest, jobs: n }) };
  return {
    jobs: QUEUE_WINDOW,
    runner: async (n) => {
      const { QueueRunner } = await importOptional('bullmq', '--queue', () => import('./runner.js'));
      progress.note(`queueing on ${queue.url}; waiting for workers (samkit worker --queue ${queue.url})`);
      return QueueRunner.create({ target: queue, modelId: manifest.id, window: n, say: (m) => progress.warn(m) });
    },
  };
}
