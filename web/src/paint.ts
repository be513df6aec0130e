/** Pixel painting for the overlays: typed-array loops, no per-pixel allocation. */
import type { DisplayCrop, PaintedMask, Rgb } from './worker-protocol.js';

/** Distinct colours for objects and automatic masks (cycled). */
export const COLORS: readonly Rgb[] = [
  [255, 99, 71], [50, 205, 50], [255, 215, 0], [186, 85, 211], [0, 206, 209], [255, 140, 0],
  [220, 20, 60], [124, 252, 0], [255, 105, 180], [70, 130, 180], [210, 180, 140], [30, 144, 255],
  [154, 205, 50], [244, 164, 96], [106, 90, 205], [64, 224, 208], [199, 21, 133], [240, 230, 140],
];

export const LIVE_COLOR: Rgb = [30, 144, 255];

/**
 * Paint a full-size 0/1 mask (w x h) into RGBA over its bounding box only: a translucent fill with
 * an opaque outline. Painting and transferring the box instead of the whole display keeps the hover
 * path short for small objects.
 */
export function paintMask(mask: Uint8Array, w: number, h: number, color: Rgb, fillAlpha: number): PaintedMask {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let first = -1;
    for (let x = 0; x < w; x++) if (mask[row + x]) { first = x; break; }
    if (first < 0) continue;
    let last = first;
    for (let x = w - 1; x > first; x--) if (mask[row + x]) { last = x; break; }
    if (y < y0) y0 = y;
    y1 = y;
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
  }
  if (x1 < 0) return { x: 0, y: 0, w: 0, h: 0, rgba: new Uint8ClampedArray(0), area: 0, displayWidth: w, displayHeight: h };
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const out = new Uint8ClampedArray(cw * ch * 4);
  // One 32-bit store per pixel, runs of set pixels found once per row: the hover path paints up to
  // the whole display per pointer move.
  const px = new Uint32Array(out.buffer);
  const [r, g, b] = color;
  const fill = rgbaWord(r, g, b, Math.round(fillAlpha * 255));
  const edge = rgbaWord(r, g, b, 255);
  let n = 0;
  for (let y = y0; y <= y1; y++) {
    const row = y * w;
    const border = y === 0 || y === h - 1;
    const base = (y - y0) * cw - x0;
    let x = x0;
    while (x <= x1) {
      if (!mask[row + x]) { x++; continue; }
      const start = x;
      while (x <= x1 && mask[row + x]) x++;
      const end = x - 1; // the bounding box ends every run, so both ends are outline pixels
      n += x - start;
      if (border) { px.fill(edge, base + start, base + x); continue; }
      px[base + start] = edge;
      px[base + end] = edge;
      const up = row - w, down = row + w;
      for (let k = start + 1; k < end; k++) px[base + k] = mask[up + k] && mask[down + k] ? fill : edge;
    }
  }
  return { x: x0, y: y0, w: cw, h: ch, rgba: out, area: n, displayWidth: w, displayHeight: h };
}

/** A colour as one pixel of a Uint32Array view over RGBA bytes, whatever the platform's byte order. */
function rgbaWord(r: number, g: number, b: number, a: number): number {
  return new Uint32Array(Uint8ClampedArray.of(r, g, b, a).buffer)[0];
}

/**
 * Composite cropped masks over an RGBA buffer ("over" operator on straight alpha), each with a fill
 * and an outline; `emphasis` raises one item's fill.
 */
export interface CompositeItem { crop: DisplayCrop; color: Rgb; alpha: number; outline: boolean }

export function compositeCrops(out: Uint8ClampedArray, dw: number, dh: number, items: readonly CompositeItem[]): void {
  for (const { crop, color, alpha, outline } of items) {
    const { x: cx, y: cy, w, h, data } = crop;
    const [r, g, b] = color;
    for (let y = 0; y < h; y++) {
      const oy = cy + y;
      if (oy < 0 || oy >= dh) continue;
      const row = y * w;
      for (let x = 0; x < w; x++) {
        const i = row + x;
        if (!data[i]) continue;
        const ox = cx + x;
        if (ox < 0 || ox >= dw) continue;
        const edge = outline && (x === 0 || y === 0 || x === w - 1 || y === h - 1 || !data[i - 1] || !data[i + 1] || !data[i - w] || !data[i + w]);
        const a = edge ? 1 : alpha;
        if (a <= 0) continue; // outlines only: the inside stays clear
        const p = (oy * dw + ox) << 2;
        const a0 = out[p + 3] / 255;
        const na = a + a0 * (1 - a);
        const k0 = (a0 * (1 - a)) / na;
        const k1 = a / na;
        out[p] = r * k1 + out[p] * k0;
        out[p + 1] = g * k1 + out[p + 1] * k0;
        out[p + 2] = b * k1 + out[p + 2] * k0;
        out[p + 3] = na * 255;
      }
    }
  }
}
