/**
 * Turning traced mask contours (`maskToPolygons`) into the polygons dataset formats can hold. COCO
 * and YOLO polygons have no holes: a hole is cut into its part's ring by a zero-width bridge (a slit
 * walked there and back), which even-odd and non-zero rasterisers alike fill as the ring minus the
 * hole, since holes run opposite to outer rings. YOLO also has one polygon per object, so separate
 * parts are joined the same way.
 *
 * Rings are flat [x0, y0, x1, y1, ...] arrays, implicitly closed, vertices on pixel corners.
 */
import type { MaskPolygon } from '../core/polygons.js';

interface Probe {
  /** A horizontal line through the ring that passes through no vertex of any ring. */
  y: number;
  /** Leftmost crossing of that line with the ring. */
  x: number;
  /** The ring edge it crosses (index of its first vertex). */
  edge: number;
}

/**
 * A line just off the ring's leftmost vertex: contour vertices sit on (half-)integer coordinates, so a
 * line at a small non-grid offset meets edges only in their interiors, never at a vertex.
 */
function probe(r: readonly number[]): Probe | null {
  const n = r.length;
  let lx = Infinity, ly = 0, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i += 2) {
    if (r[i] < lx || (r[i] === lx && r[i + 1] < ly)) { lx = r[i]; ly = r[i + 1]; }
    minY = Math.min(minY, r[i + 1]);
    maxY = Math.max(maxY, r[i + 1]);
  }
  if (!(maxY > minY)) return null;
  const d = Math.min(1e-3, (maxY - minY) / 4);
  const y = ly < maxY ? ly + d : ly - d;
  const hit = crossing(r, y, Infinity);
  return hit ? { y, x: hit.x, edge: hit.edge } : null;
}

/**
 * Where line `y` crosses ring r: the crossing nearest to the left of `limit` (largest x below it), or
 * with `limit` infinite, the leftmost one.
 */
function crossing(r: readonly number[], y: number, limit: number): { x: number; edge: number } | null {
  const leftmost = limit === Infinity;
  let best: { x: number; edge: number } | null = null;
  const n = r.length;
  for (let i = 0; i < n; i += 2) {
    const j = (i + 2) % n;
    const yi = r[i + 1], yj = r[j + 1];
    if ((yi > y) === (yj > y)) continue;
    const x = r[i] + ((y - yi) * (r[j] - r[i])) / (yj - yi);
    if (x < limit && (!best || (leftmost ? x < best.x : x > best.x))) best = { x, edge: i };
  }
  return best;
}

/** Ring r with the point (x, y) inserted after vertex `edge`, then rotated to start there. */
function startAt(r: readonly number[], edge: number, x: number, y: number): number[] {
  const out = [x, y];
  for (let k = edge + 2; k < r.length; k++) out.push(r[k]);
  for (let k = 0; k <= edge + 1; k++) out.push(r[k]);
  return out;
}

/** Splice `inner` (starting at its bridge point) into `outer` at (x, y) on edge `edge`, there and back. */
function splice(outer: readonly number[], edge: number, x: number, y: number, inner: readonly number[]): number[] {
  const head = outer.slice(0, edge + 2);
  const tail = outer.slice(edge + 2);
  return [...head, x, y, ...inner, inner[0], inner[1], x, y, ...tail];
}

/**
 * One ring for a part: each hole (leftmost first) joined to the ring by a horizontal zero-width
 * bridge from its leftmost point to the nearest edge on its left, so the bridge crosses neither the
 * ring nor the holes already joined.
 */
export function bridgeHoles(part: MaskPolygon): number[] {
  let ring = part.outer;
  const holes = part.holes
    .map((h) => ({ h, p: probe(h) }))
    .filter((x): x is { h: number[]; p: Probe } => x.p !== null)
    .sort((a, b) => a.p.x - b.p.x);
  for (const { h, p } of holes) {
    const hit = crossing(ring, p.y, p.x);
    if (!hit) continue; // not inside after all (malformed input): leave the hole out
    ring = splice(ring, hit.edge, hit.x, p.y, startAt(h, p.edge, p.x, p.y));
  }
  return ring;
}

/**
 * Join rings of the same orientation into one by zero-width bridges between their closest vertices
 * (such a bridge may cross another part: it has no area, so the filled pixels stay the same).
 */
export function joinRings(rings: readonly number[][]): number[] {
  if (rings.length === 0) return [];
  let ring = rings[0];
  for (const next of rings.slice(1)) {
    let bi = 0, bj = 0, bd = Infinity;
    for (let i = 0; i < ring.length; i += 2) {
      for (let j = 0; j < next.length; j += 2) {
        const dx = ring[i] - next[j], dy = ring[i + 1] - next[j + 1];
        const d = dx * dx + dy * dy;
        if (d < bd) { bd = d; bi = i; bj = j; }
      }
    }
    const rotated = [...next.slice(bj), ...next.slice(0, bj)];
    ring = [...ring.slice(0, bi + 2), ...rotated, rotated[0], rotated[1], ring[bi], ring[bi + 1], ...ring.slice(bi + 2)];
  }
  return ring;
}
