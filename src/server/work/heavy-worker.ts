/** Worker thread entry: runs HeavyJobs posted by HeavyPool, one at a time. */
import { parentPort } from 'node:worker_threads';
import { HttpError } from '../http-error.js';
import { runHeavyJob, type HeavyJob } from './heavy-jobs.js';

parentPort!.on('message', (msg: { id: number; job: HeavyJob }) => {
  runHeavyJob(msg.job).then(
    (result) => {
      const body = 'body' in result ? result.body : undefined;
      // Buffers arrive as plain Uint8Arrays; the transfer avoids a copy of big exports.
      const transfer = body instanceof Uint8Array && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? [body.buffer as ArrayBuffer] : [];
      parentPort!.postMessage({ id: msg.id, result }, transfer);
    },
    (err: unknown) => {
      const e = err as Error;
      parentPort!.postMessage({
        id: msg.id,
        error: { message: e?.message ?? String(err), status: err instanceof HttpError ? err.status : undefined, code: err instanceof HttpError ? err.code : undefined, name: e?.name },
      });
    },
  );
});
