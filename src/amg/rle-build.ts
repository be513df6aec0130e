/**
 * Column-major RLE counts straight from a row-major crop mask placed in the full image (the official
 * `uncrop_masks` + `mask_to_rle_pytorch`), without a column-by-column walk over the row-major buffer,
 * which is cache-hostile on large images.
 *
 * A column's runs change exactly where a pixel differs from the one above it, so comparing each row
 * of the mask's box with the previous row (4 pixels per 32-bit word) finds every run boundary with
 * sequential reads. The boundaries are then ordered by column (counting sort; rows are already in
 * order) and their column-major positions differenced into run lengths. With RowChangeHints, rows
 * inside a band are only compared where they can differ.
 */

/**
 * Where the rows of a mask can differ from the row above, when its rows come in bands that share
 * everything outside a few column intervals (as the upsampled masks of ThresholdCounter do). Band k
 * is rows [bandY0[k], bandY0[k + 1]); inside it, a row differs from the one above only in columns
 * [x0[i], x1[i]) for i in [first[k], first[k + 1]), ascending. Bands cover every row of the mask.
 */
export interface RowChangeHints {
  bands: number;
  bandY0: Int32Array;
  first: Int32Array;
  x0: Int32Array;
  x1: Int32Array;
}

export class CropRleEncoder {
  private tx = new Int32Array(4096);
  private ty = new Int32Array(4096);
  private perColumn = new Int32Array(0);
  private sortedY = new Int32Array(0);
  /** Transitions recorded so far by the current encode(). */
  private n = 0;

  /**
   * `data` is the row-major 0/1 crop mask with row stride `stride` (a multiple of 4, padding bytes 0),
   * `box` its inclusive XYXY box in crop pixels, (ox, oy) the crop's top-left corner in an image of
   * imgW x imgH.
   */
  encode(
    data: Uint8Array, stride: number, box: ArrayLike<number>, empty: boolean, ox: number, oy: number, imgW: number, imgH: number,
    hints?: RowChangeHints,
  ): Uint32Array {
    const total = imgW * imgH;
    if (empty) return Uint32Array.of(total);
    if (stride % 4 !== 0 || data.byteOffset % 4 !== 0) throw new RangeError('mask rows must be 4-byte aligned');
    const bx0 = box[0], by0 = box[1], bx1 = box[2], by1 = box[3];
    const w0 = bx0 >> 2, w1 = bx1 >> 2;
    const words = new Uint32Array(data.buffer, data.byteOffset, data.length >> 2);
    this.n = 0;
    // Row by0 is compared with an all-zero row above it, row by1 + 1 (all zero) with row by1.
    let band = 0;
    for (let y = by0; y <= by1 + 1; y++) {
      if (!hints || y === by0 || y > by1) {
        this.compareRows(data, words, stride, y, by0, by1, w0, w1);
        continue;
      }
      while (hints.bandY0[band + 1] <= y) band++;
      if (hints.bandY0[band] === y) {
        this.compareRows(data, words, stride, y, by0, by1, w0, w1);
        continue;
      }
      // Inside a band only the listed columns can change; intervals may share a word at their ends.
      let next = w0;
      for (let i = hints.first[band]; i < hints.first[band + 1]; i++) {
        const a = Math.max(hints.x0[i] >> 2, next), b = Math.min((hints.x1[i] - 1) >> 2, w1);
        if (a > b) continue;
        this.compareRows(data, words, stride, y, by0, by1, a, b);
        next = b + 1;
      }
    }
    const n = this.n;
    // Counting sort by column; within a column the rows are already ascending.
    const bw = bx1 - bx0 + 1;
    if (this.perColumn.length < bw + 1) this.perColumn = new Int32Array(bw + 1);
    if (this.sortedY.length < n) this.sortedY = new Int32Array(this.tx.length);
    const start = this.perColumn;
    start.fill(0, 0, bw + 1);
    for (let i = 0; i < n; i++) start[this.tx[i] - bx0 + 1]++;
    for (let c = 0; c < bw; c++) start[c + 1] += start[c];
    const sorted = this.sortedY;
    for (let i = 0; i < n; i++) sorted[start[this.tx[i] - bx0]++] = this.ty[i];
    // start[c] now holds the end of column c's slice; rebuild the beginnings while emitting.
    const out: number[] = [];
    let last = 0;
    let begin = 0;
    for (let c = 0; c < bw; c++) {
      const end = start[c];
      const colBase = (c + bx0 + ox) * imgH + oy;
      for (let i = begin; i < end; i++) {
        const p = colBase + sorted[i];
        // A run ending at the image's last row and one starting at the next column's first row meet:
        // the two boundaries cancel and the run continues, as in a plain column-major encoding.
        if (out.length > 0 && p === last && (out.length & 1) === 0) {
          const merged = out.pop()!;
          last -= merged;
          continue;
        }
        out.push(p - last);
        last = p;
      }
      begin = end;
    }
    if (last < total) out.push(total - last);
    return Uint32Array.from(out);
  }

  /** Record the pixels of words wa..wb where row y differs from row y - 1 (rows outside by0..by1 are zero). */
  private compareRows(data: Uint8Array, words: Uint32Array, stride: number, y: number, by0: number, by1: number, wa: number, wb: number): void {
    const wStride = stride >> 2;
    const cur = y * wStride, prev = (y - 1) * wStride;
    const hasCur = y <= by1, hasPrev = y > by0;
    for (let w = wa; w <= wb; w++) {
      const a = hasCur ? words[cur + w] : 0;
      const b = hasPrev ? words[prev + w] : 0;
      if (a === b) continue;
      for (let k = 0; k < 4; k++) {
        const x = (w << 2) + k;
        const va = hasCur ? data[y * stride + x] : 0;
        const vb = hasPrev ? data[(y - 1) * stride + x] : 0;
        if (va === vb) continue;
        if (this.n === this.tx.length) this.growTransitions();
        this.tx[this.n] = x;
        this.ty[this.n] = y;
        this.n++;
      }
    }
  }

  private growTransitions(): void {
    const tx = new Int32Array(this.tx.length * 2);
    tx.set(this.tx);
    const ty = new Int32Array(this.ty.length * 2);
    ty.set(this.ty);
    this.tx = tx;
    this.ty = ty;
  }
}

/** Row stride for crop masks given to CropRleEncoder: the width rounded up to whole 32-bit words. */
export function alignedStride(width: number): number {
  return (width + 3) & ~3;
}
