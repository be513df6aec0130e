/**
 * The coordinator's side of the queue: a Runner (the same interface as the in-process and
 * worker-thread runners) that enqueues each task as a BullMQ job and resolves with the result a
 * `samkit worker` returns. No model is loaded here.
 *
 * Results are taken from the queue's events; every few seconds (and after Redis comes back) the
 * jobs still waited for are checked in Redis itself, so a missed event or a Redis that restarted
 * empty (the job is gone: it is added again) costs time, never a result.
 */
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { SamkitError } from '../../core/errors.js';
import type { Runner } from '../pool.js';
import type { Task, TaskHooks, TaskResult } from '../tasks.js';
import { samkitVersion } from '../version.js';
import { connect, watchConnection, type Say } from './connection.js';
import { jobData, jobId, QUEUE_NAME, type JobData } from './protocol.js';
import type { RedisTarget } from './redis-url.js';

/** A job that failed on every attempt (the worker's message). */
export class QueueJobError extends SamkitError {
  constructor(message: string) { super('INVALID_ARGUMENT', message); }
}

export interface QueueRunnerInit {
  target: RedisTarget;
  /** Model id the results must come from (workers with another model refuse the jobs). */
  modelId: string;
  /** Images waited for at once (jobs in the queue for this run). */
  window: number;
  /** Tries per image before it counts as failed. */
  attempts?: number;
  /** How long finished jobs (and their results) stay in Redis, so a rerun or a second coordinator takes them at once. */
  keepResultsS?: number;
  /** How often waited-for jobs are checked in Redis besides the events. */
  reconcileMs?: number;
  say: Say;
}

interface Waiter {
  data: JobData;
  hooks?: TaskHooks;
  started: boolean;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_KEEP_RESULTS_S = 24 * 3600;

export class QueueRunner implements Runner {
  readonly jobs: number;
  private readonly waiters = new Map<string, Waiter[]>();
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private reconciling: Promise<void> | null = null;
  private again = false;

  private constructor(
    private readonly init: QueueRunnerInit,
    private readonly conn: Redis,
    private readonly eventsConn: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly watch: { stop(): void },
  ) {
    this.jobs = init.window;
  }

  static async create(init: QueueRunnerInit): Promise<QueueRunner> {
    const conn = connect(init.target);
    let runner: QueueRunner | null = null;
    const watch = watchConnection(conn, init.target, init.say, () => runner?.reconcileSoon());
    const eventsConn = connect(init.target);
    // Errors on these are connection losses, reported once by the watcher above.
    eventsConn.on('error', () => {});
    const queue = new Queue(QUEUE_NAME, { connection: conn });
    queue.on('error', () => {});
    const events = new QueueEvents(QUEUE_NAME, { connection: eventsConn });
    events.on('error', () => {});
    runner = new QueueRunner(init, conn, eventsConn, queue, events, watch);
    runner.listen();
    // Wait (for ever, with the message above) until Redis answers and the event stream is read.
    await events.waitUntilReady();
    runner.timer = setInterval(() => runner?.reconcileSoon(), init.reconcileMs ?? 5000);
    runner.timer.unref();
    return runner;
  }

  private listen(): void {
    this.events.on('active', ({ jobId: id }) => {
      for (const w of this.waiters.get(id) ?? []) if (!w.started) { w.started = true; w.hooks?.onStart?.(); }
    });
    this.events.on('progress', ({ jobId: id, data }) => {
      if (typeof data !== 'number') return;
      for (const w of this.waiters.get(id) ?? []) w.hooks?.onProgress?.(data);
    });
    this.events.on('completed', ({ jobId: id, returnvalue }) => this.settle(id, returnvalue, null));
    // A failure event may be one attempt of several: the job's state in Redis decides.
    this.events.on('failed', ({ jobId: id }) => { if (this.waiters.has(id)) void this.check(id, false).catch(() => {}); });
  }

  run<T extends Task>(task: T, hooks?: TaskHooks): Promise<TaskResult<T>> {
    if (this.closed) return Promise.reject(new Error('runner is closed'));
    const source = hooks?.source;
    if (!source) return Promise.reject(new Error('a queued task needs its image path and SHA-256'));
    const data = jobData(task, source, this.init.modelId, samkitVersion());
    const id = jobId(data);
    return new Promise<unknown>((resolve, reject) => {
      const list = this.waiters.get(id) ?? [];
      list.push({ data, hooks, started: false, resolve, reject });
      const first = list.length === 1;
      this.waiters.set(id, list);
      if (first) {
        // A job left failed by an earlier run is tried again; a finished one gives its result at once.
        void this.add(id, data).then(() => this.check(id, true)).catch((err: unknown) => { if (!this.closed) this.settle(id, null, err); });
      }
    }) as Promise<TaskResult<T>>;
  }

  private async add(id: string, data: JobData): Promise<void> {
    const keep = this.init.keepResultsS ?? DEFAULT_KEEP_RESULTS_S;
    // Same id, same job: adding an existing id is a no-op in BullMQ.
    await this.queue.add(data.task.kind, data, {
      jobId: id,
      attempts: this.init.attempts ?? DEFAULT_ATTEMPTS,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: keep },
      removeOnFail: { age: keep },
    });
  }

  /** Look the job up in Redis: settle it when finished, add it again when Redis lost it. */
  private async check(id: string, retryFailed: boolean): Promise<void> {
    const list = this.waiters.get(id);
    if (!list) return;
    const job = await this.queue.getJob(id);
    if (!job) {
      await this.add(id, list[0].data);
      return;
    }
    const state = await job.getState();
    if (state === 'completed') this.settle(id, job.returnvalue, null);
    else if (state === 'failed') {
      if (retryFailed) await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      else this.settle(id, null, new QueueJobError(job.failedReason || 'failed on every attempt'));
    }
  }

  private settle(id: string, value: unknown, err: unknown): void {
    const list = this.waiters.get(id);
    if (!list) return;
    this.waiters.delete(id);
    for (const w of list) {
      if (err) w.reject(err);
      else w.resolve(value);
    }
  }

  /** Check every waited-for job once (one sweep at a time; a request during a sweep runs another). */
  private reconcileSoon(): void {
    if (this.closed) return;
    if (this.reconciling) { this.again = true; return; }
    this.reconciling = (async () => {
      do {
        this.again = false;
        for (const id of [...this.waiters.keys()]) {
          if (this.closed) return;
          await this.check(id, false).catch(() => {});
        }
      } while (this.again && !this.closed);
    })().finally(() => { this.reconciling = null; });
  }

  /** Stop waiting: jobs stay in the queue (workers finish them; a rerun takes their results). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watch.stop();
    if (this.timer) clearInterval(this.timer);
    for (const id of [...this.waiters.keys()]) this.settle(id, null, new Error('runner closed'));
    // Closing politely needs Redis; when it is away, do not wait for it.
    await Promise.race([Promise.allSettled([this.events.close(), this.queue.close()]), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.conn.disconnect();
    this.eventsConn.disconnect();
  }
}
