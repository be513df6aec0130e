/**
 * A full-resolution mask shown at the display size with the worker's rasteriser mapping (each
 * display pixel takes the image pixel under its centre), updated region by region while painting.
 */
import type { Mask } from '../../src/core/mask.js';
import type { PixelRect } from '../../src/core/mask-edit.js';
import type { DisplayCrop, Rgb } from './worker-protocol.js';

/**
 * Resample `mask` into `out` (dw x dh, 0/1), the whole display or only the display pixels whose
 * source lies in the image region `rect`.
 */
export function sampleToDisplay(mask: Mask, out: Uint8Array, dw: number, dh: number, rect?: PixelRect | null): void {
  const { width: W, height: H, data } = mask;
  const r = rect ? displayRect(rect, W, H, dw, dh, 1) : { x: 0, y: 0, width: dw, height: dh };
  const dx0 = r.x, dy0 = r.y, dx1 = r.x + r.width - 1, dy1 = r.y + r.height - 1;
  for (let dy = dy0; dy <= dy1; dy++) {
    const sy = Math.min(H - 1, Math.floor(((dy + 0.5) * H) / dh));
    const src = sy * W;
    const row = dy * dw;
    for (let dx = dx0; dx <= dx1; dx++) out[row + dx] = data[src + Math.min(W - 1, Math.floor(((dx + 0.5) * W) / dw))];
  }
}

/** The display plane as one crop over the whole display (what the compositor paints). */
export function displayCrop(plane: Uint8Array, dw: number, dh: number): DisplayCrop {
  return { x: 0, y: 0, w: dw, h: dh, data: plane };
}

/** The display pixels over an image region, `margin` display pixels wider on each side, clipped. */
export function displayRect(rect: PixelRect, W: number, H: number, dw: number, dh: number, margin: number): PixelRect {
  const x0 = Math.max(0, Math.floor((rect.x * dw) / W) - margin);
  const y0 = Math.max(0, Math.floor((rect.y * dh) / H) - margin);
  const x1 = Math.min(dw - 1, Math.ceil(((rect.x + rect.width) * dw) / W) + margin);
  const y1 = Math.min(dh - 1, Math.ceil(((rect.y + rect.height) * dh) / H) + margin);
  return { x: x0, y: y0, width: Math.max(0, x1 - x0 + 1), height: Math.max(0, y1 - y0 + 1) };
}

/**
 * RGBA of one display region of a plane, painted as the selected object is (a translucent fill, an
 * opaque `edge` outline on pixels at the display border or next to an unset one, unset pixels
 * transparent), to be put over the same region of the live layer while a stroke goes on: repainting
 * only what the stroke touched keeps each pointer move short on large displays.
 */
export function paintRegion(plane: Uint8Array, dw: number, dh: number, r: PixelRect, color: Rgb, fillAlpha: number, edge: Rgb): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(r.width * r.height * 4);
  const a = Math.round(fillAlpha * 255);
  for (let y = 0; y < r.height; y++) {
    const dy = r.y + y;
    for (let x = 0; x < r.width; x++) {
      const dx = r.x + x;
      const i = dy * dw + dx;
      if (!plane[i]) continue;
      const border = dx === 0 || dy === 0 || dx === dw - 1 || dy === dh - 1 || !plane[i - 1] || !plane[i + 1] || !plane[i - dw] || !plane[i + dw];
      const p = (y * r.width + x) * 4;
      const c = border ? edge : color;
      out[p] = c[0]; out[p + 1] = c[1]; out[p + 2] = c[2]; out[p + 3] = border ? 255 : a;
    }
  }
  return out;
}
