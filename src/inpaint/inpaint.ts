/**
 * `inpaint(image, mask, options)`: fill a mask by one of the methods. Whatever the method, the
 * result is the input with only the (dilated) mask's pixels replaced.
 */
import { InvalidArgumentError, InvalidOptionError } from '../core/errors.js';
import { Mask } from '../core/mask.js';
import { rleToMask, type Rle } from '../core/rle.js';
import { loadImage, type ImageInput, type RgbImage } from '../image/load-image.js';
import { inpaintLama, type LamaRunner } from './lama.js';
import { compositeMasked, dilateMask } from './mask-ops.js';
import { inpaintSd, type SdOptions } from './sd-client.js';
import { inpaintClassical } from './telea.js';

export type InpaintMethod = 'telea' | 'ns' | { lama: string | LamaRunner } | { sd: SdOptions };

export interface InpaintOptions {
  /** Default 'telea' (offline, no model). */
  method?: InpaintMethod;
  /** Grow the mask by this many pixels first (default 3: SAM's edges sit on the object's soft border). */
  dilate?: number;
  /** Neighbourhood radius of the classical methods (default 5). */
  radius?: number;
}

export interface InpaintResult extends RgbImage {
  /** The mask that was filled (after dilation), row-major 0/1. */
  filled: Mask;
}

export const DEFAULT_DILATE = 3;

/** Check a mask against the image size and return its row-major 0/1 pixels. */
export function maskPixels(mask: Mask | Rle | Uint8Array, width: number, height: number): Uint8Array {
  if (mask instanceof Uint8Array && mask.length !== width * height) throw new InvalidArgumentError(`the mask has ${mask.length} pixels but the image is ${width}x${height}`);
  const m = mask instanceof Uint8Array ? new Mask(width, height, mask) : 'counts' in mask ? rleToMask(mask) : mask;
  if (m.width !== width || m.height !== height) throw new InvalidArgumentError(`the mask is ${m.width}x${m.height} but the image is ${width}x${height}`);
  let any = false;
  for (let i = 0; i < m.data.length && !any; i++) any = m.data[i] !== 0;
  if (!any) throw new InvalidArgumentError('the mask is empty: nothing to inpaint');
  return m.data;
}

export async function inpaint(image: ImageInput, mask: Mask | Rle | Uint8Array, options: InpaintOptions = {}): Promise<InpaintResult> {
  const rgb = await loadImage(image);
  const { width, height } = rgb;
  const dilate = options.dilate ?? DEFAULT_DILATE;
  if (!Number.isInteger(dilate) || dilate < 0 || dilate > 256) throw new InvalidOptionError(`dilate must be an integer in [0, 256], got ${dilate}`);
  const radius = options.radius ?? 5;
  if (!Number.isInteger(radius) || radius < 1 || radius > 64) throw new InvalidOptionError(`radius must be an integer in [1, 64], got ${radius}`);
  const m = dilateMask(maskPixels(mask, width, height), width, height, dilate);
  const method = options.method ?? 'telea';
  let filled: Uint8Array;
  if (method === 'telea' || method === 'ns') {
    filled = inpaintClassical(rgb.data, width, height, m, radius, method);
  } else if (typeof method === 'object' && 'lama' in method) {
    const run = typeof method.lama === 'string' ? await (await import('./lama-onnx.js')).loadLamaRunner(method.lama) : method.lama;
    filled = await inpaintLama(rgb.data, width, height, m, run);
  } else if (typeof method === 'object' && 'sd' in method) {
    filled = await inpaintSd(rgb.data, width, height, m, method.sd);
  } else {
    throw new InvalidOptionError(`unknown inpainting method ${JSON.stringify(method)}: use telea, ns, { lama } or { sd }`);
  }
  return { data: compositeMasked(rgb.data, filled, m), width, height, filled: new Mask(width, height, m) };
}
