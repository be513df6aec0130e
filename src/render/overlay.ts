/**
 * Mask overlays on RGB pixels: each mask is blended in its colour with a solid outline, so small and
 * overlapping masks stay readable. Pure (typed arrays in, typed arrays out).
 */
import { Mask } from '../core/mask.js';
import { rleArea, rleToMask, type Rle } from '../core/rle.js';

export type Rgb = readonly [number, number, number];

/** Distinct, colour-blind-friendly colours, cycled for many masks. */
export const PALETTE: readonly Rgb[] = [
  [30, 144, 255], [255, 99, 71], [50, 205, 50], [255, 215, 0], [186, 85, 211], [0, 206, 209],
  [255, 140, 0], [220, 20, 60], [124, 252, 0], [255, 105, 180], [70, 130, 180], [210, 180, 140],
];

export interface OverlayOptions {
  colors?: readonly Rgb[];
  /** Fill opacity in [0, 1] (default 0.5). */
  alpha?: number;
  /** Draw a 1-pixel outline in the mask's colour (default true). */
  outline?: boolean;
  /**
   * Drawing order: 'input' (default) draws masks in the given order, later ones on top; 'area' draws
   * the largest first so small masks stay visible (useful for automatic mask generator output).
   * Colours follow the input index either way.
   */
  order?: 'input' | 'area';
}

/**
 * Draw masks over interleaved RGB pixels (width x height x 3); returns a new buffer. Masks may be
 * Mask objects or RLE (decoded one at a time, so many RLE masks never sit in memory at once).
 */
export function overlayMasks(rgb: Uint8Array, width: number, height: number, masks: readonly (Mask | Rle)[], options: OverlayOptions = {}): Uint8Array {
  const out = rgb.slice();
  const colors = options.colors ?? PALETTE;
  const alpha = options.alpha ?? 0.5;
  const outline = options.outline ?? true;
  let order = masks.map((_, k) => k);
  if (options.order === 'area') {
    const areas = masks.map((m) => (m instanceof Mask ? m.area : rleArea(m)));
    order = order.sort((a, b) => areas[b] - areas[a] || a - b);
  }
  for (const k of order) {
    const item = masks[k];
    const mask = item instanceof Mask ? item : rleToMask(item);
    if (mask.width !== width || mask.height !== height) throw new RangeError(`mask ${k} is ${mask.width}x${mask.height}, image is ${width}x${height}`);
    const [r, g, b] = colors[k % colors.length];
    const d = mask.data;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const i = row + x;
        if (!d[i]) continue;
        const edge = outline && (x === 0 || y === 0 || x === width - 1 || y === height - 1 || !d[i - 1] || !d[i + 1] || !d[i - width] || !d[i + width]);
        const a = edge ? 1 : alpha;
        const p = i * 3;
        out[p] = out[p] + (r - out[p]) * a;
        out[p + 1] = out[p + 1] + (g - out[p + 1]) * a;
        out[p + 2] = out[p + 2] + (b - out[p + 2]) * a;
      }
    }
  }
  return out;
}
