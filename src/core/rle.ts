/**
 * COCO run-length encoding of binary masks, compatible with the official segment_anything
 * `mask_to_rle_pytorch` output and with pycocotools' compressed string form.
 *
 * Counts run over pixels in column-major order (flat index x * h + y) and alternate
 * 0-runs and 1-runs, starting with a 0-run (so the first count is 0 when pixel (0,0) is set).
 * Pure code: no Node APIs, runs in the browser too.
 */
import { InvalidArgumentError } from './errors.js';
import { Mask } from './mask.js';

/** `size` is [h, w]; `counts` alternate 0-runs and 1-runs and sum to h * w. */
export interface UncompressedRle { size: [number, number]; counts: number[] }

/** pycocotools' compressed form: `counts` is the `rleToString` encoding of the run lengths. */
export interface CompressedRle { size: [number, number]; counts: string }

export type Rle = UncompressedRle | CompressedRle;

/** Encodes a mask as uncompressed RLE, identical to the official `mask_to_rle_pytorch`. */
export function maskToRle(mask: Mask): UncompressedRle {
  const { width: w, height: h, data: d } = mask;
  const n = w * h;
  const counts: number[] = [];
  // Always start with a 0-run so odd positions are 1-runs, even when pixel (0,0) is set.
  let prev = 0;
  let run = 0;
  // Column-major walk over the row-major buffer: stride w down each column.
  for (let x = 0; x < w; x++) {
    for (let i = x; i < n; i += w) {
      const v = d[i] !== 0 ? 1 : 0;
      if (v !== prev) {
        counts.push(run);
        run = 0;
        prev = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [h, w], counts };
}

/** Largest mask rleToMask decodes (pixels), as large as the largest image samkit opens. */
export const MAX_RLE_PIXELS = 100_000_000;

/** Decodes RLE (either form) to a row-major Mask. Throws InvalidArgumentError on malformed input. */
export function rleToMask(rle: Rle, maxPixels = MAX_RLE_PIXELS): Mask {
  const [h, w, counts] = checkedRle(rle);
  // A few characters can describe a huge mask: bound what decoding allocates.
  if (h * w > maxPixels) throw new InvalidArgumentError(`RLE mask ${w}x${h} (${h * w} pixels) is larger than the limit of ${maxPixels} pixels`);
  const mask = new Mask(w, h);
  const d = mask.data;
  let pos = 0; // column-major flat index of the next pixel
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k];
    if (k & 1) {
      // Fill the 1-run column segment by column segment; 0-runs are skipped without touching memory.
      let x = Math.floor(pos / h);
      let y = pos - x * h;
      let left = c;
      while (left > 0) {
        const seg = Math.min(left, h - y);
        const end = (y + seg) * w + x;
        for (let i = y * w + x; i < end; i += w) d[i] = 1;
        left -= seg;
        y = 0;
        x++;
      }
    }
    pos += c;
  }
  return mask;
}

/** Number of pixels set: the sum of the 1-runs, without decoding the mask. */
export function rleArea(rle: Rle): number {
  return rleCountsArea(checkedRle(rle)[2]);
}

/** Number of pixels set in column-major RLE counts: the sum of the 1-runs. */
export function rleCountsArea(counts: ArrayLike<number>): number {
  let area = 0;
  for (let k = 1; k < counts.length; k += 2) area += counts[k];
  return area;
}

/**
 * Bounding box [x, y, w, h] in the same convention as `Mask.bbox` (w, h = last - first, inclusive last
 * pixel; an empty mask gives [0, 0, 0, 0]), computed from the runs without decoding the mask.
 */
export function rleToBbox(rle: Rle): [number, number, number, number] {
  const [h, , counts] = checkedRle(rle);
  const [x0, y0, x1, y1] = rleCountsBox(counts, h);
  return [x0, y0, x1 - x0, y1 - y0];
}

/** XYXY box (inclusive last column/row) of column-major RLE counts of height h; [0, 0, 0, 0] when empty. */
export function rleCountsBox(counts: ArrayLike<number>, h: number): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  let pos = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k];
    if (k & 1 && c > 0) {
      const last = pos + c - 1;
      const xs = Math.floor(pos / h);
      const xe = Math.floor(last / h);
      // A run that crosses a column boundary touches both the top and the bottom row.
      const ys = xs === xe ? pos - xs * h : 0;
      const ye = xs === xe ? last - xe * h : h - 1;
      if (xs < x0) x0 = xs;
      if (xe > x1) x1 = xe;
      if (ys < y0) y0 = ys;
      if (ye > y1) y1 = ye;
    }
    pos += c;
  }
  return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1, y1];
}

/** Compresses counts to pycocotools' string form (`rleToString`), byte for byte. */
export function compressRle(rle: UncompressedRle): CompressedRle {
  const [h, w, counts] = checkedRle(rle);
  const codes: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    // pycocotools delta-codes against the run of the same parity two back, but only from i = 3 on.
    let x = i > 2 ? counts[i] - counts[i - 2] : counts[i];
    for (;;) {
      // Arithmetic instead of bitwise ops so counts beyond 2^31 stay exact.
      const low = x - Math.floor(x / 32) * 32; // x & 0x1f, also for negative x
      x = Math.floor(x / 32); // arithmetic shift right by 5
      const more = low & 0x10 ? x !== -1 : x !== 0;
      codes.push((more ? low | 0x20 : low) + 48);
      if (!more) break;
    }
  }
  return { size: [h, w], counts: codesToString(codes) };
}

/** Expands pycocotools' string form (`rleFrString`) back to run lengths. */
export function decompressRle(rle: CompressedRle): UncompressedRle {
  const [h, w, counts] = checkedRle(rle);
  return { size: [h, w], counts };
}

/** Shortcut for `compressRle(maskToRle(mask))`: the form pycocotools' `encode` gives. */
export function maskToCocoRle(mask: Mask): CompressedRle {
  return compressRle(maskToRle(mask));
}

function codesToString(codes: number[]): string {
  // Chunked so long masks do not exceed the engine's argument-count limit.
  const CHUNK = 8192;
  let s = '';
  for (let i = 0; i < codes.length; i += CHUNK) {
    s += String.fromCharCode.apply(null, codes.slice(i, i + CHUNK));
  }
  return s;
}

function decodeCounts(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let scale = 1; // 2^(5k), kept as a float so long encodings do not overflow 32-bit shifts
    for (;;) {
      if (p >= s.length) throw new InvalidArgumentError('RLE counts string ends inside a value (last character has the continuation bit)');
      const code = s.charCodeAt(p++) - 48;
      if (code < 0 || code > 63) {
        throw new InvalidArgumentError(`RLE counts string has an invalid character ${JSON.stringify(s[p - 1])} at offset ${p - 1}`);
      }
      x += (code & 0x1f) * scale;
      scale *= 32;
      if (!(code & 0x20)) {
        if (code & 0x10) x -= scale; // sign-extend: set every bit above the ones read
        break;
      }
    }
    const i = counts.length;
    counts.push(i > 2 ? x + counts[i - 2] : x);
  }
  return counts;
}

/** Validates either RLE form and returns [h, w, counts] with counts decoded. */
function checkedRle(rle: Rle): [number, number, number[]] {
  if (rle === null || typeof rle !== 'object') throw new InvalidArgumentError('RLE must be an object {size: [h, w], counts}');
  const size: unknown = rle.size;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isSafeInteger(v) && v >= 0)) {
    throw new InvalidArgumentError(`RLE size must be [h, w] with two non-negative integers, got ${JSON.stringify(size)}`);
  }
  const [h, w] = size as [number, number];
  const raw: unknown = rle.counts;
  let counts: number[];
  if (typeof raw === 'string') counts = decodeCounts(raw);
  else if (Array.isArray(raw)) counts = raw;
  else throw new InvalidArgumentError('RLE counts must be an array of run lengths or a compressed string');
  let total = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k];
    if (!Number.isSafeInteger(c) || c < 0) {
      throw new InvalidArgumentError(`RLE counts must be non-negative integers, got ${JSON.stringify(c)} at index ${k}`);
    }
    total += c;
  }
  if (total !== h * w) {
    throw new InvalidArgumentError(`RLE counts sum to ${total}, expected h*w = ${h}*${w} = ${h * w}`);
  }
  return [h, w, counts];
}
