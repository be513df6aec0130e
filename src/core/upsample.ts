/**
 * Mask post-processing as in the official `Sam.postprocess_masks`: low-res logits are upsampled
 * bilinearly (align_corners=False) to the padded input size, cropped to the resized image, upsampled
 * to the original size and thresholded.
 *
 * Doing this literally costs two full-resolution float images per mask. Both steps are separable with
 * non-negative weights, so an output pixel can only be above a threshold if one of the few low-res
 * cells it draws from is, and only below it if one of them is. We classify whole bands of the output
 * from the low-res cells and evaluate the exact two-step interpolation only on the mixed band edges;
 * the result is the same mask, at a fraction of the cost.
 */

/** Per-axis linear interpolation taps (PyTorch's upsample_bilinear2d, align_corners=False). */
export interface AxisTaps {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float32Array;
  w1: Float32Array;
}

/** Taps for resizing `inSize` samples to `outSize`, evaluated for the first `count` outputs. */
export function bilinearTaps(inSize: number, outSize: number, count = outSize): AxisTaps {
  const i0 = new Int32Array(count);
  const i1 = new Int32Array(count);
  const w0 = new Float32Array(count);
  const w1 = new Float32Array(count);
  // PyTorch computes the source coordinate in float32.
  const scale = Math.fround(inSize / outSize);
  for (let o = 0; o < count; o++) {
    let src = Math.fround(Math.fround(scale * Math.fround(o + 0.5)) - 0.5);
    if (src < 0) src = 0;
    const a = Math.trunc(src);
    const lambda = Math.fround(src - a);
    i0[o] = a;
    i1[o] = a < inSize - 1 ? a + 1 : a;
    w1[o] = lambda;
    w0[o] = Math.fround(1 - lambda);
  }
  return { i0, i1, w0, w1 };
}

/** Precomputed geometry for turning one low-res logit map into an original-size mask. */
export interface UpsamplePlan {
  lowWidth: number;
  lowHeight: number;
  outWidth: number;
  outHeight: number;
  /** Low-res -> padded input (cropped to the resized image), per axis. */
  ax: AxisTaps;
  ay: AxisTaps;
  /** Resized image -> original size, per axis. */
  bx: AxisTaps;
  by: AxisTaps;
  /** Inclusive low-res index range each output column / row depends on. */
  colLo: Int32Array;
  colHi: Int32Array;
  rowLo: Int32Array;
  rowHi: Int32Array;
  /** Output rows grouped into bands sharing one low-res row range: band k spans [bandStart[k], bandStart[k+1]). */
  bandStart: Int32Array;
}

/**
 * Plan the official two-step upsampling: low-res (`lowWidth` x `lowHeight`) -> `inputSize` square,
 * cropped to `resized`, -> `original`.
 */
export function planUpsample(
  low: { width: number; height: number },
  inputSize: number,
  resized: { width: number; height: number },
  original: { width: number; height: number },
): UpsamplePlan {
  const ax = bilinearTaps(low.width, inputSize, resized.width);
  const ay = bilinearTaps(low.height, inputSize, resized.height);
  const bx = bilinearTaps(resized.width, original.width);
  const by = bilinearTaps(resized.height, original.height);
  const W = original.width;
  const H = original.height;
  const colLo = new Int32Array(W);
  const colHi = new Int32Array(W);
  for (let x = 0; x < W; x++) { colLo[x] = ax.i0[bx.i0[x]]; colHi[x] = ax.i1[bx.i1[x]]; }
  const rowLo = new Int32Array(H);
  const rowHi = new Int32Array(H);
  const bands: number[] = [];
  for (let y = 0; y < H; y++) {
    rowLo[y] = ay.i0[by.i0[y]];
    rowHi[y] = ay.i1[by.i1[y]];
    if (y === 0 || rowLo[y] !== rowLo[y - 1] || rowHi[y] !== rowHi[y - 1]) bands.push(y);
  }
  bands.push(H);
  return {
    lowWidth: low.width, lowHeight: low.height, outWidth: W, outHeight: H,
    ax, ay, bx, by, colLo, colHi, rowLo, rowHi, bandStart: Int32Array.from(bands),
  };
}

/**
 * The top-left part of a low-res map (`low`, for an `inputSize` square input holding the image
 * resized to `resized`) that the upsampling reads, for any output size: the rest only covers the
 * input's padding. Decoders may skip it (EncodedPrompts.lowResRegion).
 */
export function lowResFootprint(low: { width: number; height: number }, inputSize: number, resized: { width: number; height: number }): { height: number; width: number } {
  const last = (taps: AxisTaps) => taps.i1.reduce((m, i) => Math.max(m, i + 1), 0);
  return { height: last(bilinearTaps(low.height, inputSize, resized.height)), width: last(bilinearTaps(low.width, inputSize, resized.width)) };
}

/** Scratch buffers reused across calls with the same plan (one per concurrent caller). */
export class UpsampleScratch {
  /** Horizontally interpolated low-res rows (step 1), lazily filled: lowHeight x resized width. */
  readonly rowsA: Float32Array;
  readonly rowsAReady: Uint8Array;
  /** Step-1 rows at the padded-input resolution, lazily filled: resized height x resized width. */
  readonly mid: Float32Array;
  readonly midReady: Uint8Array;
  /** Runs of output columns sharing a state for the current band, as [start, end, state] triples. */
  readonly runs: Int32Array;
  readonly lowColState: Uint8Array;

  constructor(readonly plan: UpsamplePlan) {
    const midW = plan.ax.i0.length;
    const midH = plan.ay.i0.length;
    this.rowsA = new Float32Array(plan.lowHeight * midW);
    this.rowsAReady = new Uint8Array(plan.lowHeight);
    this.mid = new Float32Array(midH * midW);
    this.midReady = new Uint8Array(midH);
    this.runs = new Int32Array(3 * (plan.outWidth + 1));
    this.lowColState = new Uint8Array(plan.lowWidth);
  }

  reset(): void {
    this.rowsAReady.fill(0);
    this.midReady.fill(0);
  }
}

function ensureRowA(s: UpsampleScratch, low: Float32Array, lowOffset: number, r: number): void {
  if (s.rowsAReady[r]) return;
  const { ax, lowWidth } = s.plan;
  const midW = ax.i0.length;
  const src = lowOffset + r * lowWidth;
  const dst = r * midW;
  const { i0, i1, w0, w1 } = ax;
  const out = s.rowsA;
  for (let x = 0; x < midW; x++) out[dst + x] = low[src + i0[x]] * w0[x] + low[src + i1[x]] * w1[x];
  s.rowsAReady[r] = 1;
}

function ensureMidRow(s: UpsampleScratch, low: Float32Array, lowOffset: number, m: number): void {
  if (s.midReady[m]) return;
  const { ay } = s.plan;
  const midW = s.plan.ax.i0.length;
  const r0 = ay.i0[m];
  const r1 = ay.i1[m];
  ensureRowA(s, low, lowOffset, r0);
  ensureRowA(s, low, lowOffset, r1);
  const a = r0 * midW;
  const b = r1 * midW;
  const h0 = ay.w0[m];
  const h1 = ay.w1[m];
  const rows = s.rowsA;
  const out = s.mid;
  const dst = m * midW;
  for (let x = 0; x < midW; x++) out[dst + x] = rows[a + x] * h0 + rows[b + x] * h1;
  s.midReady[m] = 1;
}

/**
 * Threshold the upsampled logits of one low-res map (at `lowOffset` in `low`) at `threshold`.
 * Writes 0/1 into `out` (row-major, original size) when given, and returns the number
 * of pixels above the threshold. Equal to upsampling at full resolution and comparing `> threshold`.
 */
export function upsampleThreshold(
  low: Float32Array,
  lowOffset: number,
  threshold: number,
  scratch: UpsampleScratch,
  out?: Uint8Array,
): number {
  const p = scratch.plan;
  const { lowWidth, outWidth: W, colLo, colHi, rowLo, rowHi, bandStart, bx, by } = p;
  const midW = p.ax.i0.length;
  const lowState = scratch.lowColState;
  const runs = scratch.runs;
  scratch.reset();
  if (out) out.fill(0);
  let count = 0;
  for (let band = 0; band + 1 < bandStart.length; band++) {
    const y0 = bandStart[band];
    const y1 = bandStart[band + 1];
    const rLo = rowLo[y0];
    const rHi = rowHi[y0];
    // State of each low-res column over the band's rows: 0 all <= t, 1 all > t, 2 mixed.
    let anyAbove = false;
    let anyBelow = false;
    for (let c = 0; c < lowWidth; c++) {
      let above = 0;
      let below = 0;
      for (let r = rLo; r <= rHi; r++) {
        if (low[lowOffset + r * lowWidth + c] > threshold) above = 1; else below = 1;
      }
      lowState[c] = above & below ? 2 : above;
      if (above) anyAbove = true;
      if (below) anyBelow = true;
    }
    if (!anyAbove) continue;
    if (!anyBelow) {
      count += (y1 - y0) * W;
      if (out) out.fill(1, y0 * W, y1 * W);
      continue;
    }
    // Runs of output columns with one state: [start, end, state] triples.
    let nRuns = 0;
    let mixed = false;
    let prev = -1;
    for (let x = 0; x < W; x++) {
      let st = lowState[colLo[x]];
      for (let c = colLo[x] + 1; c <= colHi[x] && st !== 2; c++) if (lowState[c] !== st) st = 2;
      if (st !== prev) {
        if (nRuns) runs[3 * nRuns - 2] = x;
        runs[3 * nRuns] = x;
        runs[3 * nRuns + 2] = st;
        nRuns++;
        prev = st;
        if (st === 2) mixed = true;
      }
    }
    runs[3 * nRuns - 2] = W;
    for (let y = y0; y < y1; y++) {
      const row = y * W;
      let a = 0, b = 0, h0 = 0, h1 = 0;
      if (mixed) {
        const m0 = by.i0[y];
        const m1 = by.i1[y];
        h0 = by.w0[y];
        h1 = by.w1[y];
        ensureMidRow(scratch, low, lowOffset, m0);
        ensureMidRow(scratch, low, lowOffset, m1);
        a = m0 * midW;
        b = m1 * midW;
      }
      const mid = scratch.mid;
      for (let k = 0; k < nRuns; k++) {
        const st = runs[3 * k + 2];
        if (st === 0) continue;
        const xs = runs[3 * k];
        const xe = runs[3 * k + 1];
        if (st === 1) {
          count += xe - xs;
          if (out) out.fill(1, row + xs, row + xe);
          continue;
        }
        for (let x = xs; x < xe; x++) {
          const c0 = bx.i0[x];
          const c1 = bx.i1[x];
          const v0 = bx.w0[x];
          const v1 = bx.w1[x];
          const top = mid[a + c0] * v0 + mid[a + c1] * v1;
          const bottom = mid[b + c0] * v0 + mid[b + c1] * v1;
          if (top * h0 + bottom * h1 > threshold) { count++; if (out) out[row + x] = 1; }
        }
      }
    }
  }
  return count;
}

/**
 * Upsample one low-res map to float logits at the original size (for callers that asked for logits).
 * This is the plain two-step computation, no shortcuts.
 */
export function upsampleLogits(low: Float32Array, lowOffset: number, scratch: UpsampleScratch, out?: Float32Array): Float32Array {
  const p = scratch.plan;
  const W = p.outWidth;
  const H = p.outHeight;
  const midW = p.ax.i0.length;
  const dst = out ?? new Float32Array(W * H);
  scratch.reset();
  const { bx, by } = p;
  const mid = scratch.mid;
  for (let y = 0; y < H; y++) {
    const m0 = by.i0[y];
    const m1 = by.i1[y];
    ensureMidRow(scratch, low, lowOffset, m0);
    ensureMidRow(scratch, low, lowOffset, m1);
    const a = m0 * midW;
    const b = m1 * midW;
    const h0 = by.w0[y];
    const h1 = by.w1[y];
    const row = y * W;
    for (let x = 0; x < W; x++) {
      const c0 = bx.i0[x];
      const c1 = bx.i1[x];
      const top = mid[a + c0] * bx.w0[x] + mid[a + c1] * bx.w1[x];
      const bottom = mid[b + c0] * bx.w0[x] + mid[b + c1] * bx.w1[x];
      dst[row + x] = top * h0 + bottom * h1;
    }
  }
  return dst;
}
