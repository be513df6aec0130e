/**
 * Reorders the low-rank decoder's mask logits from the order its two 2x2 transposed convolutions
 * produce them, [B, cells, 16, T] (grid cell (y, x), sub-positions (dy1, dx1, dy2, dx2), token t), into
 * planes [B, T, 4g, 4g] with row Y = 4y + 2*dy1 + dy2 and column X = 4x + 2*dx1 + dx2.
 *
 * The decoder may have computed only the cells y < rows, x < cols (`extent`, see CellExtent): then
 * the source holds rows*cols cells per prompt and only the planes' top-left 4rows x 4cols pixels are
 * written.
 */

/** Grid cells [0, rows) x [0, cols) of a g x g cell grid. */
export interface CellExtent {
  rows: number;
  cols: number;
}

export function interleaveLowResMasks(src: Float32Array, batch: number, tokens: number, grid: number, out?: Float32Array, extent: CellExtent = { rows: grid, cols: grid }): Float32Array {
  const plane = 16 * grid * grid;
  const need = batch * tokens * 16 * extent.rows * extent.cols;
  if (src.length !== need) throw new RangeError(`expected ${need} logits for ${batch}x${tokens} masks of ${extent.rows}x${extent.cols} cells, got ${src.length}`);
  const dst = out ?? new Float32Array(batch * tokens * plane);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < tokens; t++) interleavePlane(src, b, t, tokens, grid, dst, (b * tokens + t) * plane, extent);
  }
  return dst;
}

/**
 * One plane (prompt b, token t) of interleaveLowResMasks, written at dst[offset ..], for callers that
 * need only some of the masks.
 */
export function interleavePlane(src: Float32Array, b: number, t: number, tokens: number, grid: number, dst: Float32Array, offset = 0, extent: CellExtent = { rows: grid, cols: grid }): void {
  const side = grid * 4;
  const { rows, cols } = extent;
  if (!(rows >= 1 && rows <= grid && cols >= 1 && cols <= grid)) throw new RangeError(`cell extent ${rows}x${cols} is outside the ${grid}x${grid} grid`);
  const cellStride = 16 * tokens;
  if (src.length < (b + 1) * rows * cols * cellStride || t >= tokens) throw new RangeError(`no mask ${b}/${t} in ${src.length} blocked logits`);
  if (dst.length < offset + side * side) throw new RangeError(`destination holds ${dst.length - offset} values, a mask needs ${side * side}`);
  const srcBT = b * rows * cols * cellStride + t;
  // Output rows in order (sequential writes); each row reads 4 values per grid cell:
  // k = dy1 * 8 + dx1 * 4 + dy2 * 2 + dx2, with X = 4x + 2 * dx1 + dx2.
  for (let Y = 0; Y < 4 * rows; Y++) {
    const y = Y >> 2, dy1 = (Y >> 1) & 1, dy2 = Y & 1;
    const k0 = (dy1 * 8 + dy2 * 2) * tokens;
    let s = srcBT + y * cols * cellStride + k0;
    let d = offset + Y * side;
    for (let x = 0; x < cols; x++, s += cellStride, d += 4) {
      dst[d] = src[s];
      dst[d + 1] = src[s + tokens];
      dst[d + 2] = src[s + 4 * tokens];
      dst[d + 3] = src[s + 5 * tokens];
    }
  }
}

/** The cells covering the top-left `height` x `width` pixels of a mask of 4 * grid pixels square. */
export function cellsCovering(height: number, width: number, grid: number): CellExtent {
  const side = 4 * grid;
  if (!(height >= 1 && height <= side && width >= 1 && width <= side)) throw new RangeError(`a ${height}x${width} region is outside a ${side}x${side} mask`);
  return { rows: Math.ceil(height / 4), cols: Math.ceil(width / 4) };
}
