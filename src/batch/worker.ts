/** Worker thread of the batch runner: loads one model, then runs the tasks it is sent, one at a time. */
import { parentPort, workerData } from 'node:worker_threads';
import { SamkitError } from '../core/errors.js';
import { TaskContext, type ModelInit, type Task } from './tasks.js';

const port = parentPort!;

function describe(err: unknown): { message: string; code?: string } {
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return err instanceof SamkitError ? { message, code: err.code } : { message };
}

try {
  const ctx = await TaskContext.create(workerData as ModelInit);
  let current: AbortController | null = null;
  port.on('message', (msg: { type: 'task'; id: number; task: Task } | { type: 'abort' }) => {
    if (msg.type === 'abort') {
      current?.abort();
      return;
    }
    const { id, task } = msg;
    // Progress is throttled: the main thread only needs it for the ETA.
    let last = 0;
    const onProgress = (fraction: number): void => {
      const now = Date.now();
      if (now - last < 250 && fraction < 1) return;
      last = now;
      port.postMessage({ type: 'progress', id, fraction });
    };
    const ctl = new AbortController();
    current = ctl;
    ctx.run(task, { onProgress, signal: ctl.signal }).then(
      (result) => port.postMessage({ type: 'result', id, result }),
      (err: unknown) => port.postMessage({ type: 'error', id, ...describe(err) }),
    ).finally(() => { if (current === ctl) current = null; });
  });
  port.postMessage({ type: 'ready' });
} catch (err) {
  port.postMessage({ type: 'fatal', ...describe(err) });
}
