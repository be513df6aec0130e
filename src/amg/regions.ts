/**
 * The official `remove_small_regions` (OpenCV connectedComponentsWithStats, 8-connectivity) computed
 * directly on column-major RLE: runs are split at column boundaries into vertical segments, and
 * segments of neighbouring columns are joined with union-find. Work is proportional to the number of
 * runs, not pixels. 8-connectivity is symmetric under transposition, so columns can play the role of rows.
 */

export type SmallRegionMode = 'holes' | 'islands';

export interface RegionEditResult {
  /** Column-major RLE counts of the edited mask (starting with a 0-run). */
  counts: Uint32Array;
  /** True when the official code reports a change (some region was below the threshold). */
  changed: boolean;
}

interface Segments {
  n: number;
  col: Int32Array;
  start: Int32Array;
  /** Inclusive last row. */
  end: Int32Array;
  val: Uint8Array;
  /** Segments of column x are colFirst[x] .. colFirst[x + 1] - 1. */
  colFirst: Int32Array;
}

function toSegments(counts: ArrayLike<number>, h: number, w: number): Segments {
  let cap = counts.length + w + 1;
  let col = new Int32Array(cap), start = new Int32Array(cap), end = new Int32Array(cap), val = new Uint8Array(cap);
  const colFirst = new Int32Array(w + 1);
  let n = 0;
  let pos = 0;
  let x = 0;
  for (let k = 0; k < counts.length; k++) {
    let c = counts[k];
    const v = k & 1;
    while (c > 0) {
      const cx = Math.floor(pos / h);
      const y = pos - cx * h;
      const len = Math.min(c, h - y);
      if (n === cap) {
        cap *= 2;
        const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => { const b = make(cap); b.set(a); return b; };
        col = grow(col, (m) => new Int32Array(m)); start = grow(start, (m) => new Int32Array(m));
        end = grow(end, (m) => new Int32Array(m)); val = grow(val, (m) => new Uint8Array(m));
      }
      while (x < cx) colFirst[++x] = n;
      col[n] = cx; start[n] = y; end[n] = y + len - 1; val[n] = v;
      n++;
      pos += len;
      c -= len;
    }
  }
  while (x < w) colFirst[++x] = n;
  return { n, col, start, end, val, colFirst };
}

function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) { parent[i] = parent[parent[i]]; i = parent[i]; }
  return i;
}

/** Label the 8-connected components of segments with value `target`; returns each segment's root (-1 for others). */
function components(seg: Segments, w: number, target: number): Int32Array {
  const parent = new Int32Array(seg.n);
  for (let i = 0; i < seg.n; i++) parent[i] = seg.val[i] === target ? i : -1;
  const { start, end, val, colFirst } = seg;
  for (let x = 0; x + 1 < w; x++) {
    let j = colFirst[x + 1];
    const jEnd = colFirst[x + 2];
    for (let i = colFirst[x]; i < colFirst[x + 1]; i++) {
      if (val[i] !== target) continue;
      const lo = start[i] - 1, hi = end[i] + 1;
      while (j < jEnd && end[j] < lo) j++;
      for (let k = j; k < jEnd && start[k] <= hi; k++) {
        if (val[k] !== target) continue;
        const a = find(parent, i), b = find(parent, k);
        // The smaller index (earlier in column-major order) becomes the root.
        if (a < b) parent[b] = a; else if (b < a) parent[a] = b;
      }
    }
  }
  for (let i = 0; i < seg.n; i++) if (parent[i] >= 0) parent[i] = find(parent, i);
  return parent;
}

function toCounts(seg: Segments, values: Uint8Array): Uint32Array {
  const out: number[] = [];
  let cur = 0;
  let run = 0;
  for (let i = 0; i < seg.n; i++) {
    const len = seg.end[i] - seg.start[i] + 1;
    if (values[i] !== cur) { out.push(run); run = 0; cur = values[i]; }
    run += len;
  }
  out.push(run);
  return Uint32Array.from(out);
}

/**
 * Remove connected regions smaller than `areaThresh` pixels: background regions ('holes', filled) or
 * foreground regions ('islands', cleared; when every island is small the largest one is kept).
 * Background regions touching the image border count as holes, as with OpenCV in the official code.
 */
export function removeSmallRegionsRle(counts: ArrayLike<number>, h: number, w: number, areaThresh: number, mode: SmallRegionMode): RegionEditResult {
  const seg = toSegments(counts, h, w);
  const target = mode === 'holes' ? 0 : 1;
  const root = components(seg, w, target);
  const size = new Float64Array(seg.n);
  // First pixel of each component in row-major order (y * w + x): OpenCV numbers labels in scan order,
  // which decides ties when the largest island has to be chosen.
  const firstPixel = new Float64Array(seg.n).fill(Infinity);
  for (let i = 0; i < seg.n; i++) {
    const r = root[i];
    if (r < 0) continue;
    size[r] += seg.end[i] - seg.start[i] + 1;
    const key = seg.start[i] * w + seg.col[i];
    if (key < firstPixel[r]) firstPixel[r] = key;
  }
  let small = 0, roots = 0;
  let largest = -1;
  for (let i = 0; i < seg.n; i++) {
    if (root[i] !== i) continue;
    roots++;
    if (size[i] < areaThresh) small++;
    if (largest < 0 || size[i] > size[largest] || (size[i] === size[largest] && firstPixel[i] < firstPixel[largest])) largest = i;
  }
  if (small === 0) return { counts: Uint32Array.from(counts), changed: false };
  const values = seg.val.slice();
  const keepOnlyLargest = mode === 'islands' && small === roots;
  for (let i = 0; i < seg.n; i++) {
    const r = root[i];
    if (r < 0) continue;
    if (mode === 'holes') { if (size[r] < areaThresh) values[i] = 1; }
    else if (keepOnlyLargest ? r !== largest : size[r] < areaThresh) values[i] = 0;
  }
  return { counts: toCounts(seg, values), changed: true };
}

/** Holes first, then islands, as `SamAutomaticMaskGenerator.postprocess_small_regions` does. */
export function cleanMaskRle(counts: ArrayLike<number>, h: number, w: number, minArea: number): RegionEditResult {
  const holes = removeSmallRegionsRle(counts, h, w, minArea, 'holes');
  const islands = removeSmallRegionsRle(holes.counts, h, w, minArea, 'islands');
  return { counts: islands.counts, changed: holes.changed || islands.changed };
}

