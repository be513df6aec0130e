/**
 * Where batch tasks run: with one job, on a model in this thread; with more, on worker threads that
 * each load their own model, so one image's encoder overlaps another's decoder and JavaScript
 * post-processing runs on every core.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SamkitError, type SamkitErrorCode } from '../core/errors.js';
import type { ModelManifest } from '../model/manifest.js';
import { manifestFromPath } from '../models/source.js';
import { defaultModelManifest } from '../model/resolve.js';
import type { ModelSource } from '../model/sam-model.js';
import { TaskContext, type ModelInit, type Task, type TaskHooks, type TaskResult } from './tasks.js';

export interface Runner {
  readonly jobs: number;
  run<T extends Task>(task: T, hooks?: TaskHooks): Promise<TaskResult<T>>;
  close(): Promise<void>;
}

/** An error raised inside a worker, carried over by message and code. */
export class TaskError extends SamkitError {}

/** onnxruntime threads per job so that all jobs together use every core once. */
export function threadsPerJob(jobs: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / jobs));
}

export async function createRunner(init: { model?: ModelInit['model']; jobs: number; threads?: number }): Promise<Runner> {
  const threads = init.threads ?? threadsPerJob(init.jobs);
  if (init.jobs <= 1) return InProcessRunner.create({ model: init.model, threads });
  return WorkerRunner.create({ model: init.model, threads }, init.jobs);
}

/** The manifest of a model source, without loading the model (its id keys journals and stores). */
export async function manifestOf(source: ModelSource): Promise<ModelManifest> {
  if (source === undefined) return defaultModelManifest();
  return typeof source === 'string' ? manifestFromPath(source) : source;
}

class InProcessRunner implements Runner {
  readonly jobs = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private constructor(private readonly ctx: TaskContext) {}

  static async create(init: ModelInit): Promise<InProcessRunner> {
    return new InProcessRunner(await TaskContext.create(init));
  }

  run<T extends Task>(task: T, hooks?: TaskHooks): Promise<TaskResult<T>> {
    // One model, one image at a time: the predictor holds a single image state.
    const next = this.queue.then(() => this.ctx.run(task, hooks));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> { /* sessions are released with the process */ }
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'fatal'; message: string; code?: string }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; message: string; code?: string }
  | { type: 'progress'; id: number; fraction: number };

interface Pending {
  id: number;
  task: Task;
  hooks?: TaskHooks;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  /** The promise the caller holds; settles when the worker answers. */
  done: Promise<unknown>;
}

interface Slot { worker: Worker; busy: Pending | null }

const WORKER_URL = new URL('./worker.js', import.meta.url);

class WorkerRunner implements Runner {
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private closing: Promise<void> | null = null;
  private readonly starting = new Set<Promise<unknown>>();

  private constructor(private readonly init: ModelInit, readonly jobs: number) {}

  /**
   * Ready as soon as one model is: the first image starts while the other workers still load. The
   * first loads alone because on a first run it rewrites the decoder into the cache, which the others
   * then read instead of racing to write the same file.
   */
  static async create(init: ModelInit, jobs: number): Promise<WorkerRunner> {
    const runner = new WorkerRunner(init, jobs);
    runner.attach(await startWorker(init));
    for (let i = 1; i < jobs; i++) runner.addWorker();
    return runner;
  }

  /** Start one more worker; a failure leaves the runner with fewer (the model loaded once already). */
  private addWorker(): void {
    const starting = startWorker(this.init).then((w) => {
      // Ended only once ready: ending a worker inside onnxruntime's session set-up aborts the process.
      if (this.closed) return w.terminate().then(() => undefined);
      this.attach(w);
      this.pump();
      return undefined;
    }, () => {
      // Without workers nothing can run: fail what is waiting rather than hang.
      if (this.slots.length === 0) for (const p of this.waiting.splice(0)) p.reject(new Error('no worker could load the model'));
    });
    this.starting.add(starting);
    void starting.finally(() => this.starting.delete(starting));
  }

  private attach(worker: Worker): void {
    const slot: Slot = { worker, busy: null };
    this.slots.push(slot);
    worker.on('message', (msg: WorkerMessage) => this.onMessage(slot, msg));
    worker.on('error', (err) => this.onCrash(slot, err));
    worker.on('exit', (code) => { if (!this.closed) this.onCrash(slot, new Error(`worker exited with code ${code}`)); });
  }

  private onMessage(slot: Slot, msg: WorkerMessage): void {
    const p = slot.busy;
    if (!p || !('id' in msg) || msg.id !== p.id) return;
    if (msg.type === 'progress') {
      p.hooks?.onProgress?.(msg.fraction);
      return;
    }
    slot.busy = null;
    if (msg.type === 'result') p.resolve(msg.result);
    else if (msg.type === 'error') p.reject(new TaskError((msg.code ?? 'INVALID_ARGUMENT') as SamkitErrorCode, msg.message));
    this.pump();
  }

  /** A crashed worker fails only the image it was on; a fresh worker takes its place. */
  private onCrash(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    slot.busy?.reject(new TaskError('MODEL', `worker crashed: ${err.message.split('\n')[0]}`));
    if (!this.closed) this.addWorker();
  }

  run<T extends Task>(task: T, hooks?: TaskHooks): Promise<TaskResult<T>> {
    if (this.closed) return Promise.reject(new Error('runner is closed'));
    let resolve!: (v: unknown) => void, reject!: (e: unknown) => void;
    const done = new Promise<unknown>((res, rej) => { resolve = res; reject = rej; });
    this.waiting.push({ id: this.nextId++, task, hooks, resolve, reject, done });
    this.pump();
    return done as Promise<TaskResult<T>>;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const p = this.waiting.shift();
      if (!p) return;
      slot.busy = p;
      p.hooks?.onStart?.();
      // Image bytes are copied, not transferred: the caller may still hold them (duplicates, retries).
      slot.worker.postMessage({ type: 'task', id: p.id, task: p.task });
    }
  }

  /**
   * Stop: waiting tasks are dropped, running ones asked to abort and awaited (terminating a worker
   * inside an onnxruntime call aborts the whole process), then the idle workers are ended.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      for (const p of this.waiting.splice(0)) p.reject(new Error('runner closed'));
      const running = this.slots.flatMap((s) => (s.busy ? [s.busy.done] : []));
      for (const s of this.slots) if (s.busy) s.worker.postMessage({ type: 'abort' });
      await Promise.allSettled([...running, ...this.starting]);
      await Promise.all(this.slots.map((s) => s.worker.terminate()));
      this.slots.length = 0;
    })();
    return this.closing;
  }
}

function startWorker(init: ModelInit): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: init });
    const fail = (err: Error): void => { void worker.terminate(); reject(err); };
    worker.once('error', fail);
    worker.once('message', (msg: WorkerMessage) => {
      worker.off('error', fail);
      if (msg.type === 'ready') resolve(worker);
      else if (msg.type === 'fatal') fail(new TaskError((msg.code ?? 'MODEL') as SamkitErrorCode, msg.message));
      else fail(new Error(`unexpected worker message ${msg.type}`));
    });
  });
}
