/**
 * The app's inpainting as a heavy-worker job (plain, structured-clone data in and out): decode the
 * image, fill the mask by the method, encode a PNG. Library errors become HttpErrors here, where the
 * error object is still whole (a worker passes only status, code and message): bad masks 400, an
 * unreadable image 422, a Stable Diffusion server that fails 502 or does not answer in time 504.
 */
import { InpaintError, SamkitError } from '../../core/errors.js';
import type { Rle } from '../../core/rle.js';
import { encodePng } from '../../image/encode-png.js';
import { masksFromJson } from '../../inpaint/mask-file.js';
import { inpaint, type InpaintMethod } from '../../inpaint/inpaint.js';
import type { LamaRunner } from '../../inpaint/lama.js';
import type { SdOptions } from '../../inpaint/sd-client.js';
import { HttpError } from '../http-error.js';

/** What the route asks for: telea/ns, a LaMa file (the server's --lama), or SD replace. */
export type InpaintJobMethod = 'telea' | 'ns' | { lama: string } | { sd: SdOptions };

export interface InpaintJob {
  kind: 'inpaint';
  /** The encoded image (the original file or the page's previous edit). */
  image: Uint8Array;
  mask: Rle;
  method: InpaintJobMethod;
  dilate?: number;
}

export interface InpaintJobResult { body: Uint8Array; width: number; height: number; filledPixels: number; ms: number }

// One ONNX session per model file for the worker's life (loading one takes seconds).
const lamaRunners = new Map<string, Promise<LamaRunner>>();
function lamaRunner(file: string): Promise<LamaRunner> {
  let r = lamaRunners.get(file);
  if (!r) {
    r = import('../../inpaint/lama-onnx.js').then((m) => m.loadLamaRunner(file));
    r.catch(() => lamaRunners.delete(file));
    lamaRunners.set(file, r);
  }
  return r;
}

function httpError(err: unknown, method: InpaintJobMethod): unknown {
  if (!(err instanceof SamkitError)) return err;
  const sd = typeof method === 'object' && 'sd' in method;
  if (err instanceof InpaintError && sd) {
    const timedOut = (err.cause as Error | undefined)?.name === 'TimeoutError';
    return new HttpError(timedOut ? 504 : 502, err.message, timedOut ? 'SD_TIMEOUT' : 'SD_FAILED');
  }
  if (err.code === 'IMAGE_DECODE') return new HttpError(422, err.message, err.code);
  if (err.code === 'INVALID_ARGUMENT' || err.code === 'INVALID_OPTION') return new HttpError(400, err.message, 'BAD_MASK');
  if (err.code === 'IMAGE_TOO_LARGE') return new HttpError(413, err.message, err.code);
  return new HttpError(503, `inpainting failed: ${err.message}`, err.code);
}

export async function runInpaintJob(job: InpaintJob): Promise<InpaintJobResult> {
  const t0 = performance.now();
  try {
    const mask = masksFromJson(job.mask, 'the mask');
    const method: InpaintMethod = typeof job.method === 'object' && 'lama' in job.method ? { lama: await lamaRunner(job.method.lama) } : job.method;
    const r = await inpaint(job.image, mask, { method, dilate: job.dilate });
    let filledPixels = 0;
    for (let i = 0; i < r.filled.data.length; i++) filledPixels += r.filled.data[i];
    const png = await encodePng(r.data, r.width, r.height, 3);
    return { body: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width: r.width, height: r.height, filledPixels, ms: performance.now() - t0 };
  } catch (err) {
    throw httpError(err, job.method);
  }
}
