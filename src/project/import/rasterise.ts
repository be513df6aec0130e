/**
 * Imported shapes to masks of a known image size, each in the convention the format's own tools
 * use, which is also the one samkit's exporters write, so import(export(objects)) gives the objects:
 * - COCO polygons: vertices on pixel corners, a pixel is in when its centre is (even-odd per ring,
 *   the rings of one annotation united, as pycocotools merges them);
 * - YOLO rings: Ultralytics' polygon2mask, vertices truncated to integers and cv2.fillPoly filling
 *   the pixels inside and those the edges pass through (see src/dataset/pixel-centres.ts).
 * Pure: browser-safe, no I/O.
 */
import { ImportError } from '../../core/errors.js';
import { Mask } from '../../core/mask.js';
import { compressRle, decompressRle, maskToCocoRle, type CompressedRle, type UncompressedRle } from '../../core/rle.js';
import type { ImportShape, LabelmePart } from './types.js';

/** Fill one ring into `mask` (OR), sampling pixel centres (x + 0.5, y + 0.5) with the even-odd rule. */
export function fillRingAtCentres(mask: Mask, ring: readonly number[]): void {
  const { width, height, data } = mask;
  const n = ring.length;
  const xs: number[] = [];
  for (let y = 0; y < height; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0; i < n; i += 2) {
      const j = (i + 2) % n;
      const y0 = ring[i + 1], y1 = ring[j + 1];
      if ((y0 <= cy) !== (y1 <= cy)) xs.push(ring[i] + ((cy - y0) / (y1 - y0)) * (ring[j] - ring[i]));
    }
    if (xs.length < 2) continue;
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k] - 0.5)), to = Math.min(width, Math.ceil(xs[k + 1] - 0.5));
      if (to > from) data.fill(1, y * width + from, y * width + to);
    }
  }
}

/**
 * Ultralytics' polygon2mask on one ring in image pixels: vertices truncated, then the pixels whose
 * integer point lies inside the polygon (even-odd) or on one of its edges.
 */
export function fillRingLikePolygon2Mask(mask: Mask, ring: readonly number[]): void {
  const { width, height, data } = mask;
  const v = ring.map((c) => Math.trunc(c));
  const n = v.length / 2;
  const set = (x: number, y: number): void => { if (x >= 0 && y >= 0 && x < width && y < height) data[y * width + x] = 1; };
  const xs: number[] = [];
  for (let y = 0; y < height; y++) {
    xs.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const xi = v[2 * i], yi = v[2 * i + 1], xj = v[2 * j], yj = v[2 * j + 1];
      if ((yi > y) !== (yj > y)) xs.push(xj + ((y - yj) * (xi - xj)) / (yi - yj));
    }
    if (xs.length < 2) continue;
    xs.sort((a, b) => a - b);
    // Integer x is inside when an odd number of crossings lie strictly to its right: xs[k] <= x < xs[k+1].
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k]));
      const to = Math.min(width - 1, Math.ceil(xs[k + 1]) - 1);
      for (let x = from; x <= to; x++) data[y * width + x] = 1;
    }
  }
  // Edges: every integer point on each segment (boundary included, as cv2.fillPoly draws it).
  for (let i = 0; i < n; i++) {
    const ax = v[2 * i], ay = v[2 * i + 1], bx = v[2 * ((i + 1) % n)], by = v[2 * ((i + 1) % n) + 1];
    const dx = bx - ax, dy = by - ay;
    const g = gcd(Math.abs(dx), Math.abs(dy));
    if (g === 0) { set(ax, ay); continue; }
    for (let s = 0; s <= g; s++) set(ax + (dx / g) * s, ay + (dy / g) * s);
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Check a flat ring: an even number (>= 6) of finite numbers. */
function checkRing(ring: unknown, what: string): number[] {
  if (!Array.isArray(ring) || ring.length < 6 || ring.length % 2 !== 0 || !ring.every(finite)) {
    throw new ImportError(`${what}: a polygon must be a flat list of at least 3 x, y pairs`);
  }
  return ring as number[];
}

/**
 * The shape as a compressed RLE of a width x height image. A mask of another size, malformed RLE
 * or polygons, and coordinates far outside the image are ImportErrors naming `what`.
 */
export function shapeToRle(shape: ImportShape, width: number, height: number, what: string): CompressedRle {
  if (shape.kind === 'rle') {
    const size = (shape.rle as { size?: unknown }).size;
    if (Array.isArray(size) && size.length === 2 && (size[0] !== height || size[1] !== width)) {
      throw new ImportError(`${what}: the mask is ${String(size[1])}x${String(size[0])}, the image is ${width}x${height}`);
    }
    try {
      // Checked by decoding (counts sum to h*w, valid characters); compressed form is kept as pycocotools writes it.
      return typeof shape.rle.counts === 'string' ? compressRle(decompressRle(shape.rle as CompressedRle)) : compressRle(shape.rle as UncompressedRle);
    } catch (err) {
      throw new ImportError(`${what}: ${(err as Error).message}`);
    }
  }
  if (shape.kind === 'bitmap') {
    if (shape.width !== width || shape.height !== height) throw new ImportError(`${what}: the mask is ${shape.width}x${shape.height}, the image is ${width}x${height}`);
    return maskToCocoRle(new Mask(width, height, shape.data));
  }
  const mask = new Mask(width, height);
  if (shape.kind === 'polygons') {
    if (!Array.isArray(shape.rings) || shape.rings.length === 0) throw new ImportError(`${what}: the polygon list is empty`);
    shape.rings.forEach((r, k) => {
      const ring = checkRing(r, `${what} polygon ${k}`);
      outside(ring, width, height, `${what} polygon ${k}`);
      fillRingAtCentres(mask, ring);
    });
  } else if (shape.kind === 'labelme') {
    shape.parts.forEach((part, k) => {
      const at = shape.parts.length > 1 ? `${what} part ${k}` : what;
      outside(part.points, width, height, at);
      fillLabelmePart(mask, part);
    });
  } else {
    const ring = checkRing(shape.ring, what);
    for (const c of ring) if (c < -0.01 || c > 1.01) throw new ImportError(`${what}: YOLO coordinates are normalised to [0, 1], got ${c}`);
    fillRingLikePolygon2Mask(mask, ring.map((c, i) => c * (i % 2 === 0 ? width : height)));
  }
  return maskToCocoRle(mask);
}

/**
 * A LabelMe shape as labelme's shape_to_mask draws it with PIL (outline and fill): polygons like
 * polygon2mask (truncated vertices, edges included), rectangles corner to corner inclusive, circles
 * every pixel within the radius of the centre.
 */
function fillLabelmePart(mask: Mask, part: LabelmePart): void {
  const p = part.points;
  if (part.type === 'polygon') { fillRingLikePolygon2Mask(mask, p); return; }
  const { width, height, data } = mask;
  if (part.type === 'rectangle') {
    const x0 = Math.max(0, Math.trunc(Math.min(p[0], p[2]))), x1 = Math.min(width - 1, Math.trunc(Math.max(p[0], p[2])));
    const y0 = Math.max(0, Math.trunc(Math.min(p[1], p[3]))), y1 = Math.min(height - 1, Math.trunc(Math.max(p[1], p[3])));
    for (let y = y0; y <= y1; y++) if (x1 >= x0) data.fill(1, y * width + x0, y * width + x1 + 1);
    return;
  }
  const [cx, cy] = p;
  const r2 = (p[2] - cx) ** 2 + (p[3] - cy) ** 2;
  const r = Math.sqrt(r2);
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(height - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(width - 1, Math.ceil(cx + r)); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r2) data[y * width + x] = 1;
    }
  }
}

/** Polygons well outside the image are another image's (or another size's): refuse rather than clip. */
function outside(ring: readonly number[], width: number, height: number, what: string): void {
  for (let i = 0; i < ring.length; i += 2) {
    const x = ring[i], y = ring[i + 1];
    if (x < -1 || y < -1 || x > width + 1 || y > height + 1) throw new ImportError(`${what}: the point (${x}, ${y}) is outside the ${width}x${height} image`);
  }
}
