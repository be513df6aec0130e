/**
 * Label images: every pixel gets the number of the mask drawn on top of it, and a colour per number.
 * Pure (typed arrays in and out); masks can be given as Mask or as RLE, which is painted from its
 * runs without decoding a full mask.
 */
import { Mask } from '../core/mask.js';
import { decompressRle, rleArea, type CompressedRle, type Rle, type UncompressedRle } from '../core/rle.js';

export type MaskLike = Mask | Rle;

export interface LabelMapOptions {
  /**
   * Drawing order: 'area' (default) paints the largest mask first so smaller masks stay visible on
   * top, as the official notebooks' show_anns does; 'input' paints in the given order (later on top).
   */
  order?: 'area' | 'input';
}

function sizeOf(m: MaskLike): [number, number] {
  return m instanceof Mask ? [m.width, m.height] : [m.size[1], m.size[0]];
}

function areaOf(m: MaskLike): number {
  return m instanceof Mask ? m.area : rleArea(m);
}

/**
 * Label map (row-major, width x height): 0 where no mask is, k + 1 where masks[k] is the top mask.
 */
export function labelMap(masks: readonly MaskLike[], width: number, height: number, options: LabelMapOptions = {}): Uint32Array {
  const labels = new Uint32Array(width * height);
  masks.forEach((m, k) => {
    const [w, h] = sizeOf(m);
    if (w !== width || h !== height) throw new RangeError(`mask ${k} is ${w}x${h}, expected ${width}x${height}`);
  });
  let order = masks.map((_, k) => k);
  if ((options.order ?? 'area') === 'area') {
    const areas = masks.map(areaOf);
    order = order.sort((a, b) => areas[b] - areas[a] || a - b);
  }
  for (const k of order) paint(labels, masks[k], width, height, k + 1);
  return labels;
}

function paint(labels: Uint32Array, m: MaskLike, width: number, height: number, value: number): void {
  if (m instanceof Mask) {
    const d = m.data;
    for (let i = 0; i < d.length; i++) if (d[i]) labels[i] = value;
    return;
  }
  const counts = typeof m.counts === 'string' ? decompressRle(m as CompressedRle).counts : (m as UncompressedRle).counts;
  let pos = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k];
    if (k & 1) {
      // A 1-run walks down columns (column-major), wrapping to the next column.
      let x = Math.floor(pos / height);
      let y = pos - x * height;
      for (let left = c; left > 0; left--) {
        labels[y * width + x] = value;
        if (++y === height) { y = 0; x++; }
      }
    }
    pos += c;
  }
}

/** A distinct, deterministic colour for label k >= 1 (golden-ratio hue steps). */
export function labelColor(k: number): [number, number, number] {
  const hue = ((k - 1) * 0.618033988749895) % 1;
  const s = 0.55 + 0.35 * (((k - 1) * 0.381966) % 1);
  const v = 0.95;
  const i = Math.floor(hue * 6);
  const f = hue * 6 - i;
  const p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
  const [r, g, b] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][i % 6];
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/** Interleaved RGB for a label map: label 0 is `background` (default black), label k is colours[k - 1] or labelColor(k). */
export function labelsToRgb(
  labels: Uint32Array, width: number, height: number,
  options: { colors?: ReadonlyArray<readonly [number, number, number]>; background?: readonly [number, number, number] } = {},
): Uint8Array {
  if (labels.length !== width * height) throw new RangeError(`label map has ${labels.length} pixels, expected ${width}x${height}`);
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  // One lookup table instead of a colour computation per pixel.
  const lut = new Uint8Array((max + 1) * 3);
  const bg = options.background ?? [0, 0, 0];
  lut[0] = bg[0]; lut[1] = bg[1]; lut[2] = bg[2];
  for (let k = 1; k <= max; k++) {
    const c = options.colors?.length ? options.colors[(k - 1) % options.colors.length] : labelColor(k);
    lut[3 * k] = c[0]; lut[3 * k + 1] = c[1]; lut[3 * k + 2] = c[2];
  }
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < labels.length; i++, j += 3) {
    const l = labels[i] * 3;
    out[j] = lut[l]; out[j + 1] = lut[l + 1]; out[j + 2] = lut[l + 2];
  }
  return out;
}

/** One mask as 8-bit greyscale: 255 inside, 0 outside. */
export function maskToGray(mask: Mask): Uint8Array {
  const out = new Uint8Array(mask.data.length);
  const d = mask.data;
  for (let i = 0; i < d.length; i++) out[i] = d[i] ? 255 : 0;
  return out;
}
