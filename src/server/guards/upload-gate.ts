/**
 * Uploads are buffered whole and decoded to check them, so each one costs memory: a few run at a
 * time; the rest get 429 before their body is read (the pixels decoded at once are bounded by
 * ImageLibrary's PixelBudget).
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-error.js';

export interface UploadLimits {
  /** Uploads received and checked at the same time. */
  concurrent: number;
}

export const DEFAULT_UPLOAD_CONCURRENCY = 2;

export function registerUploadGate(app: FastifyInstance, limits: UploadLimits, isUpload: (method: string, url: string) => boolean): void {
  let active = 0;
  const counted = new WeakSet<object>();
  app.addHook('onRequest', async (req) => {
    if (!isUpload(req.method, req.url)) return;
    if (active >= limits.concurrent) {
      throw new HttpError(429, `the server is busy with ${active} upload(s); send the file again in a moment`, 'TOO_MANY_UPLOADS');
    }
    active++;
    counted.add(req);
  });
  // Released once, whichever comes first: the answer is sent or the client went away.
  const release = async (req: object): Promise<void> => { if (counted.delete(req)) active--; };
  app.addHook('onResponse', release);
  app.addHook('onRequestAbort', release);
}
