/**
 * Cross-site writes: a page on another site may send "simple" requests (form posts, text/plain)
 * without a CORS preflight. State-changing requests are refused unless the browser says they come
 * from this origin; requests without Origin or Sec-Fetch-Site (curl, scripts) are not from a page.
 * No CORS headers are ever sent, so other origins cannot read answers either.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../http-error.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Why a request is cross-site, or null when it is same-origin or not from a browser page. */
export function crossSiteReason(req: Pick<FastifyRequest, 'method' | 'headers'>): string | null {
  if (SAFE_METHODS.has(req.method)) return null;
  const site = req.headers['sec-fetch-site'];
  // 'none' is a user typing the URL / a bookmark; 'same-origin' our own page.
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site: ${site}`;
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  let originHost: string;
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `Origin ${origin}`;
    originHost = u.host.toLowerCase();
  } catch {
    return `Origin ${origin}`; // includes "null" (sandboxed frames, file: pages)
  }
  const host = (req.headers.host ?? '').toLowerCase();
  return originHost === host ? null : `Origin ${origin}`;
}

export function registerOriginGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    const why = crossSiteReason(req);
    if (why) throw new HttpError(403, `cross-origin ${req.method} refused (${why}): use the page served by this server`, 'CROSS_ORIGIN');
  });
}
