/** The request guards of the app's server, registered together by createApp. */
import type { FastifyInstance } from 'fastify';
import { registerContentTypeGuard } from './content-type.js';
import { registerHostGuard } from './host.js';
import { registerOriginGuard } from './origin.js';
import { DEFAULT_UPLOAD_CONCURRENCY, registerUploadGate } from './upload-gate.js';

export interface GuardOptions {
  /** The address the server is bound to (the Host check applies when it is a loopback one). */
  host?: string;
  uploadConcurrency?: number;
}

const isUpload = (method: string, url: string): boolean => method === 'POST' && (url === '/api/images' || url.startsWith('/api/images?'));

export function registerGuards(app: FastifyInstance, options: GuardOptions): void {
  registerHostGuard(app, options.host);
  registerOriginGuard(app);
  registerContentTypeGuard(app);
  registerUploadGate(app, { concurrent: options.uploadConcurrency ?? DEFAULT_UPLOAD_CONCURRENCY }, isUpload);
}
