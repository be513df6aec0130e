/**
 * DNS rebinding: a page on another site can point its own name at 127.0.0.1 and reach a local
 * server. A server bound to a loopback address therefore answers only Host headers that name one.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-error.js';
import { isLoopbackHost } from './loopback.js';

export function registerHostGuard(app: FastifyInstance, boundHost: string | undefined): void {
  if (!boundHost || !isLoopbackHost(boundHost)) return;
  app.addHook('onRequest', async (req) => {
    const host = req.headers.host ?? '';
    if (!isLoopbackHost(host)) throw new HttpError(403, `requests for host '${host.replace(/:\d+$/, '')}' are not served; open http://127.0.0.1 or http://localhost`, 'BAD_HOST');
  });
}
