/**
 * `samkit worker`: takes jobs from the queue until stopped and runs them on its own model(s), the
 * same task code as an in-process run. It refuses a job that asks for another model or samkit
 * version, and an image file whose SHA-256 is not the one the job was made for.
 *
 * Stopping: the first SIGTERM / SIGINT takes no new job and finishes the ones running; a second
 * hands them back to the queue at once (another worker takes them) and exits. A worker that dies
 * without either (SIGKILL, lost machine) stops renewing its job's lock: after `stalledAfterS` the
 * job counts as stalled and goes back to the queue.
 */
import { readFile } from 'node:fs/promises';
import { Worker, WaitingError, type Job } from 'bullmq';
import { imageKey } from '../../store/embedding-store.js';
import { errorMessage } from '../engine.js';
import { createRunner, manifestOf, type Runner } from '../pool.js';
import type { ModelSource } from '../../model/sam-model.js';
import { samkitVersion } from '../version.js';
import { connect, watchConnection } from './connection.js';
import { PROTOCOL, QUEUE_NAME, taskOf, type JobData } from './protocol.js';
import type { RedisTarget } from './redis-url.js';

export interface WorkerRun {
  target: RedisTarget;
  model?: ModelSource;
  /** Jobs run at once (each on its own model, as `--jobs` in a local run). */
  concurrency: number;
  /** Seconds without a lock renewal after which a job counts as stalled and is retried elsewhere. */
  stalledAfterS: number;
  /** onnxruntime threads per job (default: the cores shared by the jobs). */
  threads?: number;
  quiet: boolean;
}

export const DEFAULT_STALLED_AFTER_S = 30;

/** Why this worker must not run a job, or null. */
export function refusal(data: Partial<JobData>, modelId: string, version: string): string | null {
  if (data.protocol !== PROTOCOL) return `the job has queue protocol ${String(data.protocol)}, this worker speaks ${PROTOCOL} (samkit ${version})`;
  if (data.model !== modelId) return `the job asks for model '${String(data.model)}', this worker has '${modelId}' (start it with the job's --model)`;
  if (data.samkit !== version) return `the job asks for samkit ${String(data.samkit)}, this worker is samkit ${version}`;
  return null;
}

async function readChecked(data: JobData): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(data.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${data.path} on this worker: ${code === 'ENOENT' ? 'no such file' : errorMessage(err)}`, { cause: err });
  }
  const sha = imageKey(bytes);
  if (sha !== data.sha256) throw new Error(`${data.path} on this worker has SHA-256 ${sha.slice(0, 12)}..., the job was made for ${data.sha256.slice(0, 12)}... (not the same file)`);
  return bytes;
}

export async function runWorker(run: WorkerRun): Promise<void> {
  const say = (m: string, always = false): void => { if (always || !run.quiet) process.stderr.write(`worker: ${m}\n`); };
  const manifest = await manifestOf(run.model);
  const version = samkitVersion();
  const runner: Runner = await createRunner({ model: manifest, jobs: run.concurrency, threads: run.threads });
  const handingBack = new AbortController();

  const process1 = async (job: Job<JobData>, token?: string): Promise<unknown> => {
    const data = job.data;
    const name = data.task?.name ?? job.id;
    const why = refusal(data, manifest.id, version);
    if (why) {
      say(`refused ${name}: ${why}`, true);
      throw new Error(why);
    }
    say(`started ${name}`);
    const t0 = performance.now();
    let last = 0;
    try {
      const bytes = await readChecked(data);
      const result = await runner.run(taskOf(data, bytes), {
        signal: handingBack.signal,
        // Progress is for the coordinator's ETA: once a second is plenty.
        onProgress: (f) => {
          const now = Date.now();
          if (now - last < 1000 || f >= 1) return;
          last = now;
          void job.updateProgress(f).catch(() => {});
        },
      });
      say(`done ${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      return result;
    } catch (err) {
      if (handingBack.signal.aborted && token) {
        // Back to the queue without counting as a failed attempt.
        try {
          await job.moveToWait(token);
        } catch (e) {
          say(`could not hand back ${name} (${errorMessage(e)}); it is retried after ${run.stalledAfterS} s`, true);
          throw new WaitingError();
        }
        say(`handed back ${name}`);
        throw new WaitingError();
      }
      say(`failed ${name}: ${errorMessage(err)}`, true);
      throw err;
    }
  };

  const conn = connect(run.target);
  const watch = watchConnection(conn, run.target, (m) => say(m, true));
  const stalledMs = run.stalledAfterS * 1000;
  const worker = new Worker<JobData>(QUEUE_NAME, process1, {
    connection: conn,
    concurrency: run.concurrency,
    // The lock is renewed every half of this while a job runs; a dead worker's job is taken back
    // by the next stalled-job sweep of any worker (also every stalledAfterS).
    lockDuration: stalledMs,
    stalledInterval: stalledMs,
    // A busy machine can miss a renewal: a job fails for stalling only after more than 5 stalls.
    maxStalledCount: 5,
    autorun: false,
  });
  worker.on('error', () => { /* connection losses: reported by the watcher */ });

  let stops = 0;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (): void => {
      stops++;
      if (stops === 1) {
        say('stopping: finishing the current job(s) (send the signal again to hand them back now)', true);
        void worker.close().then(resolve, resolve);
      } else if (stops === 2) {
        handingBack.abort();
        // The thread runner stops its running tasks only when closed.
        void runner.close();
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  say(`ready: model ${manifest.id}, samkit ${version}, ${run.concurrency} at once, stalled jobs retried after ${run.stalledAfterS} s, queue ${run.target.url}`);
  void worker.run().catch((err: unknown) => say(`stopped: ${errorMessage(err)}`, true));
  await stopped;
  watch.stop();
  await runner.close();
  conn.disconnect();
  say('stopped', true);
}
