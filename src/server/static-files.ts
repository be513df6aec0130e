/**
 * Static files of the annotation app: the built page (web/dist) and onnxruntime-web's wasm runtime.
 * Served with @fastify/send (ETag, Last-Modified, ranges, MIME types, `..` and dotfile refusal) rather
 * than @fastify/static, whose current releases pull content-disposition@3 (Node >= 22) into every
 * install while samkit supports Node 20; the app needs no directory listing, download or glob features.
 */
import send from '@fastify/send';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface StaticDirOptions {
  /** Folder the files are read from. */
  root: string;
  /** URL prefix ending in '/', e.g. '/' or '/ort/'. */
  prefix: string;
  /** Only these file names (relative to root, no leading '/') are served; everything else is a 404. */
  allow?: RegExp;
  /** Cache-Control value for every file served. */
  cacheControl: string;
}

function notFound(reply: FastifyReply): FastifyReply {
  reply.callNotFound();
  return reply;
}

async function sendFile(req: FastifyRequest, reply: FastifyReply, root: string, rel: string, cacheControl: string): Promise<FastifyReply> {
  // send() takes a URL-encoded path; it normalises it and refuses '..' above root (403) and dotfiles.
  const result = await send(req.raw, `/${rel}`, { root, index: false, dotfiles: 'deny', cacheControl: false });
  if (result.type === 'error') {
    const status = (result.metadata.error as { status?: number }).status ?? 500;
    if (status === 404) return notFound(reply);
    return reply.code(status).send({ error: status === 403 ? 'forbidden path' : 'cannot read the file' });
  }
  if (result.type === 'directory') return notFound(reply);
  return reply.code(result.statusCode).headers(result.headers).header('Cache-Control', cacheControl).send(result.stream);
}

/** GET/HEAD `prefix*` from `root`; `prefix` itself answers with root's index.html when it has one. */
export function registerStaticDir(app: FastifyInstance, options: StaticDirOptions): void {
  const { root, prefix, allow, cacheControl } = options;
  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    // The still URL-encoded path after the prefix (what send() expects); the allow-list is matched
    // on it, so an encoded name never passes for a plain one.
    const pathname = (req.raw.url ?? '/').split('?')[0];
    const rel = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : '';
    const name = rel === '' ? 'index.html' : rel;
    // No directory listings: a folder path is a 404 like a missing file.
    if (name.endsWith('/') || (allow && !allow.test(name))) return notFound(reply);
    return sendFile(req, reply, root, name, cacheControl);
  };
  // HEAD comes from fastify's automatic HEAD routes.
  app.get(`${prefix}*`, handler);
}
