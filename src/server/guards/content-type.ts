/**
 * Bodies are JSON (application/json) or a file (application/octet-stream, image/*, multipart for
 * curl -F). text/plain and form-encoded bodies are what another site can send without a CORS
 * preflight, so no parser accepts them: fastify answers 415.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../http-error.js';

export function registerContentTypeGuard(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
}

/** The request's JSON body (undefined when there is none); 415 for a file body, 400 for a non-object. */
export function jsonObjectBody(req: FastifyRequest, what: string): Record<string, unknown> | undefined {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (req.body === undefined || req.body === null) {
    if (type && type !== 'application/json') throw new HttpError(415, `${what}: send Content-Type: application/json`, 'UNSUPPORTED_MEDIA_TYPE');
    return undefined;
  }
  if (type !== 'application/json') throw new HttpError(415, `${what}: the body must be JSON (Content-Type: application/json), got '${type || 'none'}'`, 'UNSUPPORTED_MEDIA_TYPE');
  if (typeof req.body !== 'object' || Array.isArray(req.body)) throw new HttpError(400, `${what}: the body must be a JSON object`, 'BAD_BODY');
  return req.body as Record<string, unknown>;
}
