/**
 * Mask -> polygons (COCO-style flat [x0, y0, x1, y1, ...] arrays). Pure code, browser-safe.
 *
 * Contours follow pixel borders: vertices are pixel corners, so pixel (x, y) is the square
 * [x, x + 1] x [y, y + 1] and an unsimplified outer polygon minus its holes has exactly the mask's
 * area (filling it back gives the same pixels). Parts are 4-connected: pixels touching only at a
 * corner become separate parts (holes are then 8-connected, the usual digital-topology pairing), so
 * every polygon is a simple ring that may touch itself at a corner but never crosses.
 */
import { Mask } from './mask.js';

export interface PolygonOptions {
  /**
   * Douglas-Peucker tolerance in pixels (max distance of a dropped vertex from the simplified ring).
   * 0 or absent: exact contour, only collinear vertices removed.
   */
  tolerance?: number;
}

/** One connected part: its outer ring and the rings of its holes. */
export interface MaskPolygon {
  /** Outer ring, clockwise on screen (x right, y down), first vertex not repeated at the end. */
  outer: number[];
  /** Hole rings, counter-clockwise on screen. */
  holes: number[][];
}

// Directions: 0 = +x (east), 1 = +y (south), 2 = -x (west), 3 = -y (north). Turning right is d + 1.
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];

/** Outer contours and holes of every 4-connected part of the mask, parts in raster order of their first pixel. */
export function maskToPolygons(mask: Mask, options: PolygonOptions = {}): MaskPolygon[] {
  const tolerance = options.tolerance ?? 0;
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new RangeError(`tolerance must be a finite number >= 0, got ${tolerance}`);
  const { width: W, height: H, data } = mask;
  const labels = labelParts(data, W, H);
  const VW = W + 1;
  const visited = new Uint8Array(VW * (H + 1));
  const parts: MaskPolygon[] = [];
  const partOf = new Map<number, MaskPolygon>();
  const pendingHoles: Array<[number, number[]]> = [];

  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      // Every ring has an eastward edge (the top of some mask pixel under background); start there.
      if (!data[i] || (y > 0 && data[i - W]) || visited[y * VW + x] & 1) continue;
      const ring = trace(data, W, H, x, y, visited);
      const label = labels[i];
      if (signedArea(ring) > 0) {
        const part: MaskPolygon = { outer: simplifyRing(ring, tolerance), holes: [] };
        parts.push(part);
        partOf.set(label, part);
      } else {
        pendingHoles.push([label, simplifyRing(ring, tolerance)]);
      }
    }
  }
  for (const [label, ring] of pendingHoles) partOf.get(label)?.holes.push(ring);
  return parts;
}

const TURNS = [1, 0, 3];

function fg(data: Uint8Array, W: number, H: number, x: number, y: number): boolean {
  return x >= 0 && y >= 0 && x < W && y < H && data[y * W + x] !== 0;
}

/** Whether a boundary edge leaves vertex (x, y) in direction d: mask on its right, background on its left. */
function hasEdge(data: Uint8Array, W: number, H: number, x: number, y: number, d: number): boolean {
  switch (d) {
    case 0: return fg(data, W, H, x, y) && !fg(data, W, H, x, y - 1);
    case 1: return fg(data, W, H, x - 1, y) && !fg(data, W, H, x, y);
    case 2: return fg(data, W, H, x - 1, y - 1) && !fg(data, W, H, x - 1, y);
    default: return fg(data, W, H, x, y - 1) && !fg(data, W, H, x - 1, y - 1);
  }
}

/**
 * Follow one boundary ring from the eastward edge at (sx, sy), returning its corners. Turning right
 * first keeps to the pixels on the right, which makes parts 4-connected.
 */
function trace(data: Uint8Array, W: number, H: number, sx: number, sy: number, visited: Uint8Array): number[] {
  const VW = W + 1;
  const ring: number[] = [sx, sy];
  let x = sx, y = sy, d = 0;
  for (;;) {
    visited[y * VW + x] |= 1 << d;
    x += DX[d];
    y += DY[d];
    let next = -1;
    for (let k = 0; k < 3; k++) {
      const nd = (d + TURNS[k]) & 3;
      if (hasEdge(data, W, H, x, y, nd)) { next = nd; break; }
    }
    if (next < 0) throw new Error(`contour tracing lost the boundary at (${x}, ${y})`);
    if (x === sx && y === sy && next === 0) {
      // The start is a corner unless the ring arrives there heading east too.
      if (d === 0) ring.splice(0, 2);
      return ring;
    }
    if (next !== d) ring.push(x, y);
    d = next;
  }
}

/** 4-connected component labels (1-based, raster order of first pixel; 0 = background). */
function labelParts(data: Uint8Array, W: number, H: number): Int32Array {
  const labels = new Int32Array(W * H);
  const stack = new Int32Array(W * H);
  let next = 0;
  for (let s = 0; s < data.length; s++) {
    if (!data[s] || labels[s]) continue;
    const label = ++next;
    let top = 0;
    stack[top++] = s;
    labels[s] = label;
    while (top > 0) {
      const i = stack[--top];
      const x = i % W;
      if (x > 0 && data[i - 1] && !labels[i - 1]) { labels[i - 1] = label; stack[top++] = i - 1; }
      if (x < W - 1 && data[i + 1] && !labels[i + 1]) { labels[i + 1] = label; stack[top++] = i + 1; }
      if (i >= W && data[i - W] && !labels[i - W]) { labels[i - W] = label; stack[top++] = i - W; }
      if (i + W < data.length && data[i + W] && !labels[i + W]) { labels[i + W] = label; stack[top++] = i + W; }
    }
  }
  return labels;
}

/** Shoelace area of a flat ring: positive for clockwise on screen (y down), i.e. outer rings here. */
export function signedArea(ring: ArrayLike<number>): number {
  let a = 0;
  const n = ring.length;
  for (let i = 0; i < n; i += 2) {
    const j = (i + 2) % n;
    a += ring[i] * ring[j + 1] - ring[j] * ring[i + 1];
  }
  return a / 2;
}

/** Area covered by a part: outer ring minus holes. */
export function polygonArea(p: MaskPolygon): number {
  return Math.abs(signedArea(p.outer)) - p.holes.reduce((s, h) => s + Math.abs(signedArea(h)), 0);
}

/** Douglas-Peucker on a closed ring; keeps the original when simplification would leave fewer than 3 vertices. */
export function simplifyRing(ring: number[], tolerance: number): number[] {
  const n = ring.length / 2;
  if (tolerance <= 0 || n <= 3) return ring;
  // Split the ring at its first vertex and the vertex farthest from it, then simplify both chains.
  let far = 0, best = -1;
  for (let i = 1; i < n; i++) {
    const d = (ring[2 * i] - ring[0]) ** 2 + (ring[2 * i + 1] - ring[1]) ** 2;
    if (d > best) { best = d; far = i; }
  }
  const keep = new Uint8Array(n + 1);
  keep[0] = 1; keep[far] = 1; keep[n] = 1;
  const at = (i: number) => (i % n) * 2;
  const stack: number[] = [0, far, far, n];
  const tol2 = tolerance * tolerance;
  while (stack.length) {
    const b = stack.pop()!, a = stack.pop()!;
    let idx = -1, dmax = tol2;
    for (let i = a + 1; i < b; i++) {
      const d = segmentDistance2(ring[at(i)], ring[at(i) + 1], ring[at(a)], ring[at(a) + 1], ring[at(b)], ring[at(b) + 1]);
      if (d > dmax) { dmax = d; idx = i; }
    }
    if (idx >= 0) { keep[idx] = 1; stack.push(a, idx, idx, b); }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(ring[2 * i], ring[2 * i + 1]);
  return out.length >= 6 ? out : ring;
}

function segmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax, dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const qx = ax + t * dx - px, qy = ay + t * dy - py;
  return qx * qx + qy * qy;
}

/** Fill polygons back into a mask (even-odd rule over the rings, sampled at pixel centres). */
export function polygonsToMask(polygons: readonly MaskPolygon[], width: number, height: number): Mask {
  const mask = new Mask(width, height);
  const rings: number[][] = [];
  for (const p of polygons) { rings.push(p.outer); for (const h of p.holes) rings.push(h); }
  const xs: number[] = [];
  for (let y = 0; y < height; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (const r of rings) {
      const n = r.length;
      for (let i = 0; i < n; i += 2) {
        const j = (i + 2) % n;
        const y0 = r[i + 1], y1 = r[j + 1];
        if ((y0 <= cy) !== (y1 <= cy)) xs.push(r[i] + ((cy - y0) / (y1 - y0)) * (r[j] - r[i]));
      }
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k] - 0.5)), to = Math.min(width, Math.ceil(xs[k + 1] - 0.5));
      if (to > from) mask.data.fill(1, y * width + from, y * width + to);
    }
  }
  return mask;
}
