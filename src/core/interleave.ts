/**
 * Reorders the low-rank decoder's mask logits from the order its two 2x2 transposed convolutions
 * produce them, [B, g*g, 16, T] (grid cell (y, x), sub-positions (dy1, dx1, dy2, dx2), token t), into
 * planes [B, T, 4g, 4g] with row Y = 4y + 2*dy1 + dy2 and column X = 4x + 2*dx1 + dx2.
 */
export function interleaveLowResMasks(src: Float32Array, batch: number, tokens: number, grid: number, out?: Float32Array): Float32Array {
  const plane = 16 * grid * grid;
  const need = batch * tokens * plane;
  if (src.length !== need) throw new RangeError(`expected ${need} logits for ${batch}x${tokens} masks of ${grid * 4}x${grid * 4}, got ${src.length}`);
  const dst = out ?? new Float32Array(need);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < tokens; t++) interleavePlane(src, b, t, tokens, grid, dst, (b * tokens + t) * plane);
  }
  return dst;
}

/**
 * One plane (prompt b, token t) of interleaveLowResMasks, written at dst[offset ..], for callers that
 * need only some of the masks.
 */
export function interleavePlane(src: Float32Array, b: number, t: number, tokens: number, grid: number, dst: Float32Array, offset = 0): void {
  const side = grid * 4;
  const cellStride = 16 * tokens;
  if (src.length < (b + 1) * grid * grid * cellStride || t >= tokens) throw new RangeError(`no mask ${b}/${t} in ${src.length} blocked logits`);
  if (dst.length < offset + side * side) throw new RangeError(`destination holds ${dst.length - offset} values, a mask needs ${side * side}`);
  const srcBT = b * grid * grid * cellStride + t;
  let d = offset;
  // Output rows in order (sequential writes); each row reads 4 values per grid cell:
  // k = dy1 * 8 + dx1 * 4 + dy2 * 2 + dx2, with X = 4x + 2 * dx1 + dx2.
  for (let Y = 0; Y < side; Y++) {
    const y = Y >> 2, dy1 = (Y >> 1) & 1, dy2 = Y & 1;
    const k0 = (dy1 * 8 + dy2 * 2) * tokens;
    let s = srcBT + y * grid * cellStride + k0;
    for (let x = 0; x < grid; x++, s += cellStride, d += 4) {
      dst[d] = src[s];
      dst[d + 1] = src[s + tokens];
      dst[d + 2] = src[s + 4 * tokens];
      dst[d + 3] = src[s + 5 * tokens];
    }
  }
}
