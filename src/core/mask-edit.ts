/**
 * Brush and eraser strokes on a full-resolution mask, in image coordinates (continuous: pixel (x, y)
 * covers [x, x+1) x [y, y+1), its centre is (x + 0.5, y + 0.5)), so an edit means the same pixels at
 * any zoom. Pure code on typed arrays (Node and the browser).
 */
import { InvalidArgumentError } from './errors.js';
import type { Mask } from './mask.js';

export interface ImagePoint { x: number; y: number }

/** An integer pixel region: columns x .. x + width - 1, rows y .. y + height - 1. */
export interface PixelRect { x: number; y: number; width: number; height: number }

export interface StrokeResult {
  /** Change in the mask's area (pixels set by a brush are positive, erased negative). */
  delta: number;
  /** The region that was examined (clipped to the mask); null when the stroke misses the mask. */
  rect: PixelRect | null;
}

/** Largest brush radius, in image pixels (a stroke examines its bounding box). */
export const MAX_BRUSH_RADIUS = 4096;

function checkPoint(p: ImagePoint, what: string): void {
  if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) throw new InvalidArgumentError(`${what} must be finite image coordinates, got (${p.x}, ${p.y})`);
}

/**
 * Set (value 1, brush) or clear (value 0, eraser) every pixel whose centre lies within `radius` of
 * the segment a-b (a disk when a = b), plus every pixel the segment passes through, so thin brushes
 * drawn fast leave no gaps.
 */
export function strokeSegment(mask: Mask, a: ImagePoint, b: ImagePoint, radius: number, value: 0 | 1): StrokeResult {
  checkPoint(a, 'stroke start');
  checkPoint(b, 'stroke end');
  if (!(radius > 0 && radius <= MAX_BRUSH_RADIUS)) throw new InvalidArgumentError(`brush radius must be in (0, ${MAX_BRUSH_RADIUS}] image pixels, got ${radius}`);
  const { width: W, height: H, data } = mask;
  const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x) - radius));
  const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - radius));
  const x1 = Math.min(W - 1, Math.ceil(Math.max(a.x, b.x) + radius));
  const y1 = Math.min(H - 1, Math.ceil(Math.max(a.y, b.y) + radius));
  if (x0 > x1 || y0 > y1) return { delta: 0, rect: null };
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const r2 = radius * radius;
  let delta = 0;
  const set = (i: number): void => {
    if (data[i] !== value) { data[i] = value; delta += value ? 1 : -1; }
  };
  for (let y = y0; y <= y1; y++) {
    const cy = y + 0.5;
    const row = y * W;
    for (let x = x0; x <= x1; x++) {
      const cx = x + 0.5;
      // Distance from the pixel centre to the nearest point of the segment.
      let t = len2 > 0 ? ((cx - a.x) * dx + (cy - a.y) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = cx - (a.x + t * dx);
      const ey = cy - (a.y + t * dy);
      if (ex * ex + ey * ey <= r2) set(row + x);
    }
  }
  // The pixels under the segment itself, sampled every half pixel.
  const steps = Math.max(1, Math.ceil(Math.sqrt(len2) * 2));
  for (let k = 0; k <= steps; k++) {
    const px = Math.floor(a.x + (dx * k) / steps);
    const py = Math.floor(a.y + (dy * k) / steps);
    if (px >= 0 && py >= 0 && px < W && py < H) set(py * W + px);
  }
  return { delta, rect: { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 } };
}

/** Stroke a polyline (the pointer's path during one drag) segment by segment. */
export function strokePath(mask: Mask, path: readonly ImagePoint[], radius: number, value: 0 | 1): StrokeResult {
  if (!path.length) return { delta: 0, rect: null };
  let delta = 0;
  let rect: PixelRect | null = null;
  for (let i = 0; i < path.length; i++) {
    const r = strokeSegment(mask, path[Math.max(0, i - 1)], path[i], radius, value);
    delta += r.delta;
    rect = unionRect(rect, r.rect);
  }
  return { delta, rect };
}

export function unionRect(a: PixelRect | null, b: PixelRect | null): PixelRect | null {
  if (!a) return b;
  if (!b) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}
