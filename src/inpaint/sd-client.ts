/**
 * Stable Diffusion "replace" through an AUTOMATIC1111-compatible web UI API: POST /sdapi/v1/img2img
 * with the image, the mask (white = repaint) and the prompt; the first returned image is resized to
 * the original if needed (the caller composites it into the mask only).
 */
import sharp from 'sharp';
import { InpaintError } from '../core/errors.js';
import { decodeImage } from '../image/load-image.js';
import { encodePng } from '../image/encode-png.js';

export interface SdOptions {
  /** Server base URL, e.g. http://127.0.0.1:7860 */
  url: string;
  prompt: string;
  negativePrompt?: string;
  /** 0..1: how far from the original the masked area may go (default 0.75). */
  denoisingStrength?: number;
  /** A1111 masked content: 0 fill, 1 original (default), 2 latent noise, 3 latent nothing. */
  inpaintingFill?: 0 | 1 | 2 | 3;
  /** Repaint only the masked region at full resolution (default true). */
  inpaintFullRes?: boolean;
  steps?: number;
  /** Milliseconds before the request is abandoned (default 120000). */
  timeoutMs?: number;
}

/** The request body the server gets (exported for tests and documentation). */
export function sdRequestBody(imagePng: Uint8Array, maskPng: Uint8Array, width: number, height: number, o: SdOptions): Record<string, unknown> {
  return {
    init_images: [Buffer.from(imagePng).toString('base64')],
    mask: Buffer.from(maskPng).toString('base64'),
    prompt: o.prompt,
    negative_prompt: o.negativePrompt ?? '',
    denoising_strength: o.denoisingStrength ?? 0.75,
    inpainting_fill: o.inpaintingFill ?? 1,
    inpaint_full_res: o.inpaintFullRes ?? true,
    inpaint_full_res_padding: 32,
    inpainting_mask_invert: 0,
    mask_blur: 4,
    steps: o.steps ?? 30,
    // SD works on multiples of 8; the answer is resized back to the image's size.
    width: Math.max(64, Math.round(width / 8) * 8),
    height: Math.max(64, Math.round(height / 8) * 8),
  };
}

/** Ask the server to repaint the masked pixels; returns interleaved RGB of the image's size. */
export async function inpaintSd(image: Uint8Array, width: number, height: number, mask: Uint8Array, o: SdOptions): Promise<Uint8Array> {
  let base: URL;
  try { base = new URL(o.url); } catch { throw new InpaintError(`--sd-url '${o.url}' is not a URL`); }
  if (!o.prompt || !o.prompt.trim()) throw new InpaintError('Stable Diffusion inpainting needs a prompt (what to paint in the mask)');
  const grey = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) grey[i] = mask[i] ? 255 : 0;
  const body = sdRequestBody(await encodePng(image, width, height, 3), await encodePng(grey, width, height, 1), width, height, o);
  const endpoint = new URL('sdapi/v1/img2img', base.href.endsWith('/') ? base.href : `${base.href}/`);
  const timeout = o.timeoutMs ?? 120_000;
  let res: Response;
  try {
    res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeout) });
  } catch (err) {
    const e = err as Error;
    const why = e.name === 'TimeoutError' ? `no answer within ${timeout / 1000} s` : (e.cause as Error | undefined)?.message ?? e.message;
    throw new InpaintError(`Stable Diffusion server ${endpoint.origin}: ${why}`, { cause: err });
  }
  let text: string;
  try { text = await res.text(); } catch (err) { throw new InpaintError(`Stable Diffusion server ${endpoint.origin}: ${(err as Error).message}`, { cause: err }); }
  if (!res.ok) throw new InpaintError(`Stable Diffusion server answered ${res.status}: ${text.replace(/\s+/g, ' ').slice(0, 160)}`);
  let images: unknown;
  try { images = (JSON.parse(text) as { images?: unknown }).images; } catch { throw new InpaintError('Stable Diffusion server answered something that is not JSON'); }
  if (!Array.isArray(images) || typeof images[0] !== 'string') throw new InpaintError('Stable Diffusion server answered no images');
  const b64 = images[0].replace(/^data:image\/\w+;base64,/, '');
  const decoded = await decodeImage(Buffer.from(b64, 'base64'), 'the Stable Diffusion answer');
  if (decoded.width === width && decoded.height === height) return decoded.data;
  const resized = await sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' }).raw().toBuffer();
  return new Uint8Array(resized.buffer, resized.byteOffset, resized.length);
}
