/**
 * POST /api/images/:id/prepare (no body): compute the decoder's per-image part for an image now, so
 * the page's first hover decode on it, once it moves there, costs what every later one does. The
 * page asks for this for the next project image, after its embedding was computed ahead, when its
 * hovers are decoded on this server; the model keeps a few prepared images (SERVER_PREPARED_IMAGES).
 */
import type { FastifyInstance } from 'fastify';
import type { DecodeService } from './decode.js';
import { jsonObjectBody } from './guards/content-type.js';
import { checkImageId, type ImageLibrary } from './image-library.js';

export function registerPrepareRoute(app: FastifyInstance, decode: DecodeService, library: ImageLibrary): void {
  app.post('/api/images/:id/prepare', async (req) => {
    const id = checkImageId((req.params as { id?: unknown }).id);
    jsonObjectBody(req, 'prepare'); // no body needed; a file or a non-object body is refused as elsewhere
    await library.require(id);
    const t0 = performance.now();
    const { already } = await decode.prepare(id);
    return { prepared: true, already, ms: Math.round(performance.now() - t0) };
  });
}
