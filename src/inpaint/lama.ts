/**
 * LaMa-style model inpainting around the mask: the common `lama_fp32.onnx` contract takes `image`
 * [1,3,512,512] RGB in 0..1 and `mask` [1,1,512,512] (1 = fill) and returns [1,3,512,512] in 0..255.
 * The region around the mask is cropped (with context), resized to 512, filled, resized back and only
 * the masked pixels are written into the image. Pure: the model run is a function passed in.
 */
import { InpaintError } from '../core/errors.js';
import { maskBounds } from './mask-ops.js';
import { resizeBilinear, resizeMaskCover } from './resize.js';

export const LAMA_SIZE = 512;

/** Runs the model: NCHW image in 0..1 and mask in {0,1}, both LAMA_SIZE square; returns NCHW 0..255. */
export type LamaRunner = (image: Float32Array, mask: Float32Array) => Promise<Float32Array>;

/** The crop fed to the model: the mask's box grown by context on each side, kept inside the image. */
export function lamaCrop(mask: Uint8Array, width: number, height: number): [number, number, number, number] {
  const b = maskBounds(mask, width, height);
  if (!b) throw new InpaintError('the mask is empty: nothing to inpaint');
  const side = Math.max(b[2] - b[0], b[3] - b[1]);
  // Context of half the object (at least 32 px) so the model sees what surrounds it.
  const pad = Math.max(32, Math.round(side / 2));
  const want = Math.min(Math.max(width, height), side + 2 * pad);
  const cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2;
  const cw = Math.min(width, want), ch = Math.min(height, want);
  const x0 = Math.max(0, Math.min(width - cw, Math.round(cx - cw / 2)));
  const y0 = Math.max(0, Math.min(height - ch, Math.round(cy - ch / 2)));
  return [x0, y0, x0 + cw, y0 + ch];
}

/** Fill the masked pixels of interleaved RGB `image` with the model; returns the whole model-filled image (caller composites). */
export async function inpaintLama(image: Uint8Array, width: number, height: number, mask: Uint8Array, run: LamaRunner): Promise<Uint8Array> {
  const [x0, y0, x1, y1] = lamaCrop(mask, width, height);
  const cw = x1 - x0, ch = y1 - y0;
  const crop = new Uint8Array(cw * ch * 3), cropMask = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++) {
    crop.set(image.subarray(((y0 + y) * width + x0) * 3, ((y0 + y) * width + x1) * 3), y * cw * 3);
    cropMask.set(mask.subarray((y0 + y) * width + x0, (y0 + y) * width + x1), y * cw);
  }
  const S = LAMA_SIZE, plane = S * S;
  const rgb = resizeBilinear(crop, cw, ch, 3, S, S);
  const m = resizeMaskCover(cropMask, cw, ch, S, S);
  const imageT = new Float32Array(3 * plane), maskT = new Float32Array(plane);
  for (let i = 0; i < plane; i++) {
    imageT[i] = rgb[3 * i] / 255; imageT[plane + i] = rgb[3 * i + 1] / 255; imageT[2 * plane + i] = rgb[3 * i + 2] / 255;
    maskT[i] = m[i];
  }
  const result = await run(imageT, maskT);
  if (result.length !== 3 * plane) throw new InpaintError(`the inpainting model returned ${result.length} values, expected 3x${S}x${S}`);
  const filled = new Uint8Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = result[c * plane + i];
      if (!Number.isFinite(v)) throw new InpaintError('the inpainting model returned a non-finite value');
      filled[3 * i + c] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  const back = resizeBilinear(filled, S, S, 3, cw, ch);
  const out = image.slice();
  for (let y = 0; y < ch; y++) out.set(back.subarray(y * cw * 3, (y + 1) * cw * 3), ((y0 + y) * width + x0) * 3);
  return out;
}
