/**
 * Counting pixels of the upsampled logits above three thresholds at once (the stability score's
 * -offset / +offset and the mask threshold), then writing the mask, for one low-res logit map.
 *
 * Same result, bit for bit, as `upsampleThreshold` from core/upsample.ts run three times (the unit
 * tests check this), but the work is shared and follows the mask contours instead of the image area:
 * each low-res cell gets a code 0..3 (how many thresholds it is above) and each low-res row keeps the
 * columns where its code changes. An output band (rows sharing one low-res row support) is then split
 * into column stretches whose whole support has one code, counted by area, and mixed stretches, the
 * only pixels interpolated, from step-1 values cached per 16-column block. The mask of a candidate that
 * passes is written during the count (interpolated pixels) and completed from the logged spans.
 */
import type { UpsamplePlan } from '../core/upsample.js';
import type { RowChangeHints } from './rle-build.js';

const BLOCK_SHIFT = 4;
/**
 * Margin for the stability bound's support classes: an interpolated value is a convex combination of
 * its low-res support computed in float32, so it can leave the support's range only by rounding (a
 * few units of 2^-24 of the largest magnitude, far below the margin up to BOUND_MAX_ABS).
 */
const BOUND_MARGIN = 1e-3;
const BOUND_MAX_ABS = 1024;
/** Classes of interpolated spans for the bound: may be above the highest threshold; surely above the lowest one. */
const MAY_TOP = 1;
const SURE_LOW = 2;
const BLOCK = 1 << BLOCK_SHIFT;
/** Span value of a stretch that needs per-pixel interpolation. */
const EXACT = 255;

export class ThresholdCounter {
  readonly plan: UpsamplePlan;
  /** Pixels above the lowest, middle and highest threshold after the last count(). */
  readonly above = [0, 0, 0];
  /** Pixels the last count() had to interpolate (the rest were classified from the low-res cells). */
  exactPixels = 0;
  /**
   * Of those: pixels whose support has a cell that may be above the highest threshold, and pixels
   * whose support is surely above the lowest one without any such cell (see countUnlessUnstable).
   */
  private mayTopPixels = 0;
  private sureLowPixels = 0;
  /** Pixels per code 0..3 (how many thresholds a pixel is above) of the current count. */
  private readonly byCode = [0, 0, 0, 0];
  /** Low-res rows / columns that any output pixel depends on. */
  private readonly usedRows: number;
  private readonly usedCols: number;
  private readonly codes: Uint8Array;
  /** Columns where a row's code differs from the previous column: trans[transStart[r] .. transStart[r + 1]). */
  private readonly trans: Int32Array;
  private readonly transStart: Int32Array;
  /** First output column whose support starts at or after low column c; first one whose support ends after c. */
  private readonly firstX: Int32Array;
  private readonly endX: Int32Array;
  /** Spans of the current band: [x0, x1) with a uniform code, or EXACT. */
  private readonly spanX0: Int32Array;
  private readonly spanX1: Int32Array;
  private readonly spanV: Uint8Array;
  private nSpans = 0;
  /** Output columns before this one are covered by the spans emitted so far. */
  private cursor = 0;
  private readonly ptr = new Int32Array(8);
  /** Box of the mask being filled: x0, y0, x1, y1 (y0 < 0 while empty). */
  private readonly box = new Int32Array(4);
  /** Spans of the last count(mask): rows [y0, y1) x columns [x0, x1) with a uniform code or EXACT. */
  private logY0 = new Int32Array(1024);
  private logY1 = new Int32Array(1024);
  private logX0 = new Int32Array(1024);
  private logX1 = new Int32Array(1024);
  private logV = new Uint8Array(1024);
  /** Of an EXACT span: MAY_TOP, SURE_LOW or 0 (see countUnlessUnstable). */
  private logF = new Uint8Array(1024);
  private logN = 0;
  private logMask: Uint8Array | null = null;
  private hints: RowChangeHints = { bands: 0, bandY0: new Int32Array(0), first: new Int32Array(0), x0: new Int32Array(0), x1: new Int32Array(0) };
  private readonly midW: number;
  private readonly nBlocks: number;
  private readonly rowsA: Float32Array;
  private readonly rowsAReady: Uint8Array;
  private readonly mid: Float32Array;
  private readonly midReady: Uint8Array;
  /** Horizontally interpolated step-2 rows over the current exact span (kept in double precision). */
  private readonly top: Float64Array;
  private readonly bottom: Float64Array;
  private low: Float32Array = new Float32Array(0);
  private lowOffset = 0;
  private t0 = 0;
  private t1 = 0;
  private t2 = 0;

  constructor(plan: UpsamplePlan) {
    this.plan = plan;
    const { lowWidth, outWidth: W, outHeight: H, colLo, colHi, rowHi, rowLo } = plan;
    let maxRow = 0, maxCol = 0;
    for (let y = 0; y < H; y++) maxRow = Math.max(maxRow, rowHi[y]);
    for (let x = 0; x < W; x++) maxCol = Math.max(maxCol, colHi[x]);
    this.usedRows = maxRow + 1;
    this.usedCols = maxCol + 1;
    for (let b = 0; b + 1 < plan.bandStart.length; b++) {
      const y = plan.bandStart[b];
      if (rowHi[y] - rowLo[y] + 1 > this.ptr.length) throw new RangeError('upsample plan has a band deeper than 8 low-res rows');
    }
    this.codes = new Uint8Array(this.usedRows * lowWidth);
    this.trans = new Int32Array(this.usedRows * this.usedCols);
    this.transStart = new Int32Array(this.usedRows + 1);
    this.firstX = new Int32Array(this.usedCols + 1);
    this.endX = new Int32Array(this.usedCols + 1);
    for (let c = 0, x = 0; c <= this.usedCols; c++) { while (x < W && colLo[x] < c) x++; this.firstX[c] = x; }
    for (let c = 0, x = 0; c <= this.usedCols; c++) { while (x < W && colHi[x] <= c) x++; this.endX[c] = x; }
    const maxSpans = 2 * this.usedCols + 2;
    this.spanX0 = new Int32Array(maxSpans);
    this.spanX1 = new Int32Array(maxSpans);
    this.spanV = new Uint8Array(maxSpans);
    this.midW = plan.ax.i0.length;
    const midH = plan.ay.i0.length;
    this.nBlocks = Math.ceil(this.midW / BLOCK);
    this.rowsA = new Float32Array(this.usedRows * this.midW);
    this.rowsAReady = new Uint8Array(this.usedRows * this.nBlocks);
    this.mid = new Float32Array(midH * this.midW);
    this.midReady = new Uint8Array(midH * this.nBlocks);
    this.top = new Float64Array(W);
    this.bottom = new Float64Array(W);
  }

  /**
   * Take the low-res map at `lowOffset` in `low` and thresholds t0 <= t1 <= t2, and classify its
   * cells. Interpolated values cached for the previous map are dropped.
   */
  setLogits(low: Float32Array, lowOffset: number, t0: number, t1: number, t2: number): void {
    if (!(t0 <= t1 && t1 <= t2)) throw new RangeError(`thresholds must be ordered, got ${t0}, ${t1}, ${t2}`);
    this.low = low;
    this.lowOffset = lowOffset;
    this.t0 = t0; this.t1 = t1; this.t2 = t2;
    this.rowsAReady.fill(0);
    this.midReady.fill(0);
    this.logN = 0;
    this.logMask = null;
    const lw = this.plan.lowWidth;
    const { codes, trans, transStart, usedCols } = this;
    let n = 0;
    for (let r = 0; r < this.usedRows; r++) {
      transStart[r] = n;
      const src = lowOffset + r * lw;
      const dst = r * lw;
      let prev = -1;
      for (let c = 0; c < usedCols; c++) {
        const v = low[src + c];
        const code = (v > t0 ? 1 : 0) + (v > t1 ? 1 : 0) + (v > t2 ? 1 : 0);
        codes[dst + c] = code;
        if (code !== prev && c > 0) trans[n++] = c;
        prev = code;
      }
    }
    transStart[this.usedRows] = n;
  }

  /**
   * Count pixels above each threshold; returns `above` = [> t0, > t1, > t2]. With `mask` (row-major,
   * row stride `stride`), the interpolated pixels also get their mask bit (> t1) written, and
   * completeMask() can then finish the mask without interpolating anything again.
   */
  count(mask?: Uint8Array, stride = this.plan.outWidth): readonly number[] {
    this.scan(false);
    return this.finish(mask, stride)!;
  }

  /**
   * count(), unless the stability score (above[2] / above[0], as float32) is certainly below
   * `minStability` whatever the pixels still to interpolate turn out to be: then null, and nothing is
   * interpolated. Exact: an upper bound of the score from the pixels' low-res supports.
   *
   * With I, U the classified pixels above the highest / lowest threshold, A the pixels to interpolate
   * that may end above the highest (a support cell near or above it) and M those surely above the
   * lowest (every support cell clearly above it) but not in A, the score is at most
   * (I + A) / (U + A + M): a pixel above the highest threshold is above the lowest too, the others
   * can only add to the union, and (I + a) / (U + M + a) grows with a since I <= U.
   */
  countUnlessUnstable(minStability: number, mask?: Uint8Array, stride = this.plan.outWidth): readonly number[] | null {
    this.scan(true);
    const b = this.byCode;
    const inter = b[3], union = b[1] + b[2] + b[3];
    if (!(Math.fround((inter + this.mayTopPixels) / (union + this.mayTopPixels + this.sureLowPixels)) >= minStability)) return null;
    // The same bound again after each interpolated span, with that span's pixels known.
    return this.finish(mask, stride, minStability);
  }

  /**
   * Classify every output span of the current map: uniform ones are counted, EXACT ones logged (with
   * their support class for the stability bound when `bound`).
   */
  private scan(bound: boolean): void {
    const { outWidth: W, bandStart, rowLo, rowHi } = this.plan;
    const byCode = this.byCode;
    byCode.fill(0);
    this.exactPixels = 0;
    this.mayTopPixels = 0;
    this.sureLowPixels = 0;
    this.logN = 0;
    this.logMask = null;
    for (let band = 0; band + 1 < bandStart.length; band++) {
      const y0 = bandStart[band], y1 = bandStart[band + 1];
      const rows = y1 - y0;
      const uniform = this.uniformBand(rowLo[y0], rowHi[y0]);
      if (uniform >= 0) {
        byCode[uniform] += rows * W;
        this.log(y0, y1, 0, W, uniform);
        continue;
      }
      this.bandSpans(rowLo[y0], rowHi[y0]);
      for (let s = 0; s < this.nSpans; s++) {
        const x0 = this.spanX0[s], x1 = this.spanX1[s], v = this.spanV[s];
        this.log(y0, y1, x0, x1, v);
        if (v === EXACT) {
          const px = rows * (x1 - x0);
          this.exactPixels += px;
          if (!bound) continue;
          const cls = this.supportClass(rowLo[y0], rowHi[y0], x0, x1);
          this.logF[this.logN - 1] = cls;
          if (cls === MAY_TOP) this.mayTopPixels += px;
          else if (cls === SURE_LOW) this.sureLowPixels += px;
        } else {
          byCode[v] += rows * (x1 - x0);
        }
      }
    }
  }

  /** Interpolate the logged EXACT spans (writing their mask bits when asked) and total the counts. */
  private finish(mask: Uint8Array | undefined, stride: number, minStability?: number): readonly number[] | null {
    const byCode = this.byCode;
    this.logMask = mask ?? null;
    const b = this.box;
    b[0] = this.plan.outWidth; b[1] = -1; b[2] = -1; b[3] = -1;
    let mayTop = this.mayTopPixels, sureLow = this.sureLowPixels;
    for (let k = 0; k < this.logN; k++) {
      if (this.logV[k] !== EXACT) continue;
      const y0 = this.logY0[k], y1 = this.logY1[k], x0 = this.logX0[k], x1 = this.logX1[k];
      this.exactCount(y0, y1, x0, x1, byCode, mask, stride);
      if (minStability === undefined) continue;
      const px = (y1 - y0) * (x1 - x0);
      if (this.logF[k] === MAY_TOP) mayTop -= px;
      else if (this.logF[k] === SURE_LOW) sureLow -= px;
      const inter = byCode[3], union = byCode[1] + byCode[2] + byCode[3];
      if (!(Math.fround((inter + mayTop) / (union + mayTop + sureLow)) >= minStability)) {
        this.logMask = null;
        return null;
      }
    }
    const above = this.above;
    above[2] = byCode[3];
    above[1] = byCode[2] + byCode[3];
    above[0] = byCode[1] + byCode[2] + byCode[3];
    return above;
  }

  /**
   * Finish the mask started by the last count(mask, stride): every pixel not interpolated there is
   * set from its uniform code. Returns the number of pixels set; `box`, when given, receives the
   * inclusive XYXY box of the set pixels ([0, 0, 0, 0] when none).
   *
   * With `region` 'box', only the rows of the box are finished, over the box's columns widened to
   * whole 4-byte words (what CropRleEncoder reads); elsewhere the buffer keeps older contents. On a
   * large image most masks are small, and writing the whole crop per mask cost more than the rest.
   */
  completeMask(mask: Uint8Array, stride = this.plan.outWidth, box?: Int32Array, region: 'all' | 'box' = 'all'): number {
    if (this.logMask !== mask) throw new Error('completeMask() needs the buffer given to the preceding count()');
    // count() left the box of the interpolated set pixels; the uniform set spans complete it.
    const b = this.box;
    for (let k = 0; k < this.logN; k++) {
      if (this.logV[k] !== EXACT && this.logV[k] >= 2) this.grow(this.logX0[k], this.logX1[k] - 1, this.logY0[k], this.logY1[k] - 1);
    }
    // Uniform spans, clipped to the region written.
    let fx0 = 0, fx1 = this.plan.outWidth, fy0 = 0, fy1 = this.plan.outHeight;
    if (region === 'box') {
      if (b[3] < 0) { fy1 = 0; } else { fx0 = b[0] & ~3; fx1 = Math.min(fx1, (b[2] | 3) + 1); fy0 = b[1]; fy1 = b[3] + 1; }
    }
    for (let k = 0; k < this.logN; k++) {
      const v = this.logV[k];
      if (v === EXACT) continue;
      const ya = Math.max(this.logY0[k], fy0), yb = Math.min(this.logY1[k], fy1);
      const xa = Math.max(this.logX0[k], fx0), xb = Math.min(this.logX1[k], fx1);
      if (ya >= yb || xa >= xb) continue;
      const bit = v >= 2 ? 1 : 0;
      for (let y = ya; y < yb; y++) mask.fill(bit, y * stride + xa, y * stride + xb);
    }
    if (box) {
      if (b[3] < 0) box.fill(0);
      else box.set(b);
    }
    return this.above[1];
  }

  /**
   * Where the rows of the mask written by the last count(mask) can differ from the row above: within a
   * band, uniform spans are the same on every row, so only the interpolated spans can change. The
   * returned object is reused by the next call.
   */
  rowChanges(): RowChangeHints {
    const n = this.logN;
    const h = this.hints;
    if (h.bandY0.length < n + 1) {
      h.bandY0 = new Int32Array(n + 1); h.first = new Int32Array(n + 1); h.x0 = new Int32Array(n); h.x1 = new Int32Array(n);
    }
    let bands = 0, spans = 0;
    for (let k = 0; k < n; k++) {
      if (k === 0 || this.logY0[k] !== this.logY0[k - 1]) {
        h.bandY0[bands] = this.logY0[k];
        h.first[bands++] = spans;
      }
      if (this.logV[k] !== EXACT) continue;
      h.x0[spans] = this.logX0[k];
      h.x1[spans++] = this.logX1[k];
    }
    h.bandY0[bands] = n > 0 ? this.logY1[n - 1] : 0;
    h.first[bands] = spans;
    h.bands = bands;
    return h;
  }

  /**
   * Write the mask of pixels above t1 (0/1, row-major with row stride `stride` >= output width) into
   * `out` for the map given to the last setLogits(); returns the number of pixels set and fills `box`
   * as completeMask() does.
   */
  fillMask(out: Uint8Array, stride = this.plan.outWidth, box?: Int32Array): number {
    this.count(out, stride);
    return this.completeMask(out, stride, box);
  }

  private log(y0: number, y1: number, x0: number, x1: number, v: number): void {
    if (this.logN === this.logV.length) {
      const grow = (a: Int32Array) => { const b = new Int32Array(a.length * 2); b.set(a); return b; };
      this.logY0 = grow(this.logY0); this.logY1 = grow(this.logY1); this.logX0 = grow(this.logX0); this.logX1 = grow(this.logX1);
      const v2 = new Uint8Array(this.logV.length * 2); v2.set(this.logV); this.logV = v2;
      const f2 = new Uint8Array(this.logF.length * 2); f2.set(this.logF); this.logF = f2;
    }
    const k = this.logN++;
    this.logY0[k] = y0; this.logY1[k] = y1; this.logX0[k] = x0; this.logX1[k] = x1; this.logV[k] = v;
  }

  private grow(x0: number, x1: number, y0: number, y1: number): void {
    const b = this.box;
    if (x0 < b[0]) b[0] = x0;
    if (x1 > b[2]) b[2] = x1;
    if (b[1] < 0 || y0 < b[1]) b[1] = y0;
    if (y1 > b[3]) b[3] = y1;
  }

  /**
   * The bound's class of output columns [x0, x1) over low-res rows rLo..rHi, from their support:
   * MAY_TOP if a cell is above or near the highest threshold, else SURE_LOW if every cell is clearly
   * above the lowest, else 0. A support with values too large for the margin (or NaN): MAY_TOP.
   */
  private supportClass(rLo: number, rHi: number, x0: number, x1: number): number {
    const { colLo, colHi, lowWidth } = this.plan;
    const c0 = colLo[x0], c1 = colHi[x1 - 1];
    const mayTop = this.t2 - BOUND_MARGIN, sureLow = this.t0 + BOUND_MARGIN;
    const low = this.low;
    let sure = true;
    for (let r = rLo; r <= rHi; r++) {
      const row = this.lowOffset + r * lowWidth;
      for (let c = c0; c <= c1; c++) {
        const v = low[row + c];
        if (v > mayTop || !(v <= BOUND_MAX_ABS && v >= -BOUND_MAX_ABS)) return MAY_TOP;
        if (!(v > sureLow)) sure = false;
      }
    }
    return sure ? SURE_LOW : 0;
  }

  /** The single code of rows rLo..rHi when they have no transitions and agree, else -1. */
  private uniformBand(rLo: number, rHi: number): number {
    const lw = this.plan.lowWidth;
    const v = this.codes[rLo * lw];
    for (let r = rLo; r <= rHi; r++) {
      if (this.codes[r * lw] !== v || this.transStart[r + 1] !== this.transStart[r]) return -1;
    }
    return v;
  }

  /**
   * Split the band's low-res columns at every row's code changes; stretches where all rows share one
   * code become uniform output spans, everything between them EXACT spans.
   */
  private bandSpans(rLo: number, rHi: number): void {
    const { usedCols, trans, transStart, codes, ptr } = this;
    const lw = this.plan.lowWidth;
    const W = this.plan.outWidth;
    const nRows = rHi - rLo + 1;
    for (let k = 0; k < nRows; k++) ptr[k] = transStart[rLo + k];
    this.nSpans = 0;
    this.cursor = 0;
    let runA = -1, runB = -1, runV = -1;
    let c = 0;
    while (c < usedCols) {
      let next = usedCols;
      for (let k = 0; k < nRows; k++) {
        const p = ptr[k];
        if (p < transStart[rLo + k + 1] && trans[p] < next) next = trans[p];
      }
      // Segment [c, next - 1]: every row is constant on it.
      let v: number = codes[rLo * lw + c];
      for (let k = 1; k < nRows && v >= 0; k++) if (codes[(rLo + k) * lw + c] !== v) v = -1;
      if (v >= 0 && v === runV) {
        runB = next - 1;
      } else {
        if (runV >= 0) this.emitRun(runA, runB, runV);
        runV = v;
        runA = c;
        runB = next - 1;
      }
      for (let k = 0; k < nRows; k++) {
        const p = ptr[k];
        if (p < transStart[rLo + k + 1] && trans[p] === next) ptr[k] = p + 1;
      }
      c = next;
    }
    if (runV >= 0) this.emitRun(runA, runB, runV);
    if (this.cursor < W) this.push(this.cursor, W, EXACT);
  }

  /** Emit the output columns fully supported by low columns runA..runB, after an EXACT gap if any. */
  private emitRun(runA: number, runB: number, v: number): void {
    const xs = Math.max(this.firstX[runA], this.cursor);
    const xe = this.endX[runB];
    if (xs >= xe) return;
    if (this.cursor < xs) this.push(this.cursor, xs, EXACT);
    this.push(xs, xe, v);
    this.cursor = xe;
  }

  private push(x0: number, x1: number, v: number): void {
    const n = this.nSpans++;
    this.spanX0[n] = x0; this.spanX1[n] = x1; this.spanV[n] = v;
  }

  private exactCount(y0: number, y1: number, gx0: number, gx1: number, byCode: number[], mask: Uint8Array | undefined, stride: number): void {
    const { bx, by } = this.plan;
    const midW = this.midW;
    const mid = this.mid;
    const { t0, t1, t2 } = this;
    const cLo = bx.i0[gx0], cHi = bx.i1[gx1 - 1];
    const n = gx1 - gx0;
    const top = this.top, bottom = this.bottom;
    let n0 = 0, n1 = 0, n2 = 0;
    let pm0 = -1, pm1 = -1;
    for (let y = y0; y < y1; y++) {
      const m0 = by.i0[y], m1 = by.i1[y];
      // When upsampling, consecutive output rows often sit between the same two step-2 rows: the
      // horizontal interpolation is then shared and only the vertical weights change.
      if (m0 !== pm0 || m1 !== pm1) {
        this.ensureMid(m0, cLo, cHi);
        this.ensureMid(m1, cLo, cHi);
        const a = m0 * midW, b = m1 * midW;
        for (let i = 0, x = gx0; i < n; i++, x++) {
          const c0 = bx.i0[x], c1 = bx.i1[x];
          const v0 = bx.w0[x], v1 = bx.w1[x];
          // The expression of core/upsample.ts (in double precision), so every comparison comes out the same.
          top[i] = mid[a + c0] * v0 + mid[a + c1] * v1;
          bottom[i] = mid[b + c0] * v0 + mid[b + c1] * v1;
        }
        pm0 = m0; pm1 = m1;
      }
      const h0 = by.w0[y], h1 = by.w1[y];
      if (mask) {
        const row = y * stride + gx0;
        const before = n1;
        for (let i = 0; i < n; i++) {
          const v = top[i] * h0 + bottom[i] * h1;
          const above1 = Number(v > t1);
          mask[row + i] = above1;
          n0 += Number(v > t0);
          n1 += above1;
          n2 += Number(v > t2);
        }
        // The mask's box, from this row's first and last set pixels (completeMask adds the uniform spans).
        if (n1 > before) {
          let first = 0, last = n - 1;
          while (!mask[row + first]) first++;
          while (!mask[row + last]) last--;
          this.grow(gx0 + first, gx0 + last, y, y);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const v = top[i] * h0 + bottom[i] * h1;
          // Counts above each threshold without data-dependent branches (values near a contour alternate).
          n0 += Number(v > t0);
          n1 += Number(v > t1);
          n2 += Number(v > t2);
        }
      }
    }
    const total = (y1 - y0) * n;
    byCode[0] += total - n0; byCode[1] += n0 - n1; byCode[2] += n1 - n2; byCode[3] += n2;
  }

  /** Make step-2 row m valid over mid columns [c0, c1] (whole 16-column blocks). */
  private ensureMid(m: number, c0: number, c1: number): void {
    const ready = this.midReady;
    const base = m * this.nBlocks;
    const b1 = c1 >> BLOCK_SHIFT;
    for (let blk = c0 >> BLOCK_SHIFT; blk <= b1; blk++) {
      if (ready[base + blk]) continue;
      ready[base + blk] = 1;
      const { ay } = this.plan;
      const r0 = ay.i0[m], r1 = ay.i1[m];
      this.ensureRowA(r0, blk);
      this.ensureRowA(r1, blk);
      const midW = this.midW;
      const x0 = blk << BLOCK_SHIFT;
      const x1 = Math.min(x0 + BLOCK, midW);
      const a = r0 * midW, b = r1 * midW;
      const h0 = ay.w0[m], h1 = ay.w1[m];
      const rows = this.rowsA;
      const mid = this.mid;
      const dst = m * midW;
      for (let x = x0; x < x1; x++) mid[dst + x] = rows[a + x] * h0 + rows[b + x] * h1;
    }
  }

  private ensureRowA(r: number, blk: number): void {
    const k = r * this.nBlocks + blk;
    if (this.rowsAReady[k]) return;
    this.rowsAReady[k] = 1;
    const { ax, lowWidth } = this.plan;
    const { i0, i1, w0, w1 } = ax;
    const low = this.low;
    const src = this.lowOffset + r * lowWidth;
    const dst = r * this.midW;
    const x0 = blk << BLOCK_SHIFT;
    const x1 = Math.min(x0 + BLOCK, this.midW);
    const rows = this.rowsA;
    for (let x = x0; x < x1; x++) rows[dst + x] = low[src + i0[x]] * w0[x] + low[src + i1[x]] * w1[x];
  }
}
