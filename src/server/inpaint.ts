/**
 * The page's inpainting panel. GET /api/inpaint says which methods this server has; POST
 * /api/inpaint {imageId, objectId | mask, method, prompt?, base?, dilate?} answers the edited image as
 * a PNG. method: "remove" (Telea, offline, the default), "ns" (Navier-Stokes), "lama" (the server's
 * --lama ONNX file) or "replace" (Stable Diffusion at the server's --sd-url, with a prompt).
 * `base` (base64 PNG) is the page's previous edit, so edits stack; without it the original image is
 * edited. Nothing is written on the server: the page previews and downloads the result. The work
 * runs in the heavy worker thread so hover decoding and saves keep answering.
 */
import type { FastifyInstance } from 'fastify';
import type { Rle } from '../core/rle.js';
import { DEFAULT_DILATE } from '../inpaint/inpaint.js';
import type { AnnotationStore } from './annotations.js';
import { jsonObjectBody } from './guards/content-type.js';
import { HttpError } from './http-error.js';
import { checkImageId, type ImageLibrary } from './image-library.js';
import type { HeavyPool } from './work/heavy-pool.js';
import type { InpaintJobMethod } from './work/inpaint-job.js';

export interface InpaintDeps {
  library: ImageLibrary;
  annotations: AnnotationStore;
  heavy: HeavyPool;
  /** A LaMa-contract ONNX file (the server's --lama). */
  lama?: string;
  /** An AUTOMATIC1111-compatible server (the server's --sd-url). */
  sdUrl?: string;
  /** How long to wait for the SD server (default 120 s). */
  sdTimeoutMs?: number;
}

export const INPAINT_METHODS = ['remove', 'ns', 'lama', 'replace'] as const;
export type InpaintRequestMethod = typeof INPAINT_METHODS[number];

function isRle(v: unknown): v is Rle {
  const o = v as { size?: unknown; counts?: unknown } | null;
  return !!o && typeof o === 'object' && Array.isArray(o.size) && (Array.isArray(o.counts) || typeof o.counts === 'string');
}

function libraryMethod(name: InpaintRequestMethod, body: Record<string, unknown>, deps: InpaintDeps): InpaintJobMethod {
  if (name === 'remove') return 'telea';
  if (name === 'ns') return 'ns';
  if (name === 'lama') {
    if (!deps.lama) throw new HttpError(501, 'this server has no LaMa model: start it with --lama <model.onnx>', 'NO_LAMA');
    return { lama: deps.lama };
  }
  if (!deps.sdUrl) throw new HttpError(501, 'this server has no Stable Diffusion server: start it with --sd-url <url>', 'NO_SD');
  const prompt = typeof body.prompt === 'string' ? body.prompt.trim() : '';
  if (!prompt) throw new HttpError(400, 'replace needs a "prompt": what to paint in place of the object', 'NO_PROMPT');
  if (prompt.length > 1000) throw new HttpError(400, 'the prompt is longer than 1000 characters', 'BAD_PROMPT');
  const negative = body.negativePrompt;
  if (negative !== undefined && typeof negative !== 'string') throw new HttpError(400, 'negativePrompt must be a string', 'BAD_PROMPT');
  return { sd: { url: deps.sdUrl, prompt, negativePrompt: negative, timeoutMs: deps.sdTimeoutMs } };
}

function decodeBase(v: unknown): Uint8Array | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]+=*$/.test(v.replace(/^data:image\/png;base64,/, ''))) throw new HttpError(400, '"base" must be the previous edit as a base64 PNG', 'BAD_BASE');
  const bytes = Buffer.from(v.replace(/^data:image\/png;base64,/, ''), 'base64');
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x89504e47) throw new HttpError(400, '"base" is not a PNG', 'BAD_BASE');
  return bytes;
}

export function registerInpaint(app: FastifyInstance, deps: InpaintDeps): void {
  app.get('/api/inpaint', async () => ({
    methods: { remove: true, ns: true, lama: !!deps.lama, replace: !!deps.sdUrl },
    dilate: DEFAULT_DILATE,
  }));

  app.post('/api/inpaint', async (req, reply) => {
    const body = jsonObjectBody(req, 'the inpainting request') ?? {};
    const id = checkImageId(body.imageId);
    const info = await deps.library.require(id);
    const name = body.method ?? 'remove';
    if (typeof name !== 'string' || !(INPAINT_METHODS as readonly string[]).includes(name)) {
      throw new HttpError(400, `method must be one of ${INPAINT_METHODS.join(', ')}`, 'BAD_METHOD');
    }
    const method = libraryMethod(name as InpaintRequestMethod, body, deps);
    const dilate = body.dilate;
    if (dilate !== undefined && (typeof dilate !== 'number' || !Number.isInteger(dilate) || dilate < 0 || dilate > 64)) {
      throw new HttpError(400, 'dilate must be an integer in [0, 64] (pixels)', 'BAD_DILATE');
    }
    let mask: Rle;
    if (isRle(body.mask)) {
      mask = body.mask;
    } else if (body.mask !== undefined) {
      throw new HttpError(400, '"mask" must be an RLE: {"size": [h, w], "counts": ...}', 'BAD_MASK');
    } else if (typeof body.objectId === 'string') {
      const doc = await deps.annotations.get(id);
      const obj = doc?.objects.find((o) => o.id === body.objectId);
      if (!obj) throw new HttpError(404, `no object ${body.objectId} on this image (save first, or send its "mask")`, 'NO_OBJECT');
      mask = obj.segmentation;
    } else {
      throw new HttpError(400, 'say what to inpaint: "objectId" of a saved object, or its "mask" as an RLE', 'NO_MASK');
    }
    if (mask.size[0] !== info.height || mask.size[1] !== info.width) {
      throw new HttpError(400, `the mask is ${mask.size[1]}x${mask.size[0]} but the image is ${info.width}x${info.height}`, 'BAD_MASK');
    }
    const image = decodeBase(body.base) ?? await deps.library.bytes(id);
    const r = await deps.heavy.runInpaint({ image, mask, method, dilate: dilate as number | undefined });
    if (r.width !== info.width || r.height !== info.height) throw new HttpError(400, `"base" is ${r.width}x${r.height}, not the image's ${info.width}x${info.height}`, 'BAD_BASE');
    reply.header('x-inpaint-method', name).header('x-inpaint-ms', String(Math.round(r.ms))).header('x-filled-pixels', String(r.filledPixels));
    reply.header('cache-control', 'no-store');
    return reply.type('image/png').send(r.body);
  });
}
