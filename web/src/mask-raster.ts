/**
 * A full-resolution mask shown at the display size with the worker's rasteriser mapping (each
 * display pixel takes the image pixel under its centre), updated region by region while painting.
 */
import type { Mask } from '../../src/core/mask.js';
import type { PixelRect } from '../../src/core/mask-edit.js';
import type { DisplayCrop } from './worker-protocol.js';

/**
 * Resample `mask` into `out` (dw x dh, 0/1), the whole display or only the display pixels whose
 * source lies in the image region `rect`.
 */
export function sampleToDisplay(mask: Mask, out: Uint8Array, dw: number, dh: number, rect?: PixelRect | null): void {
  const { width: W, height: H, data } = mask;
  let dx0 = 0, dy0 = 0, dx1 = dw - 1, dy1 = dh - 1;
  if (rect) {
    dx0 = Math.max(0, Math.floor((rect.x * dw) / W) - 1);
    dy0 = Math.max(0, Math.floor((rect.y * dh) / H) - 1);
    dx1 = Math.min(dw - 1, Math.ceil(((rect.x + rect.width) * dw) / W) + 1);
    dy1 = Math.min(dh - 1, Math.ceil(((rect.y + rect.height) * dh) / H) + 1);
  }
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
