/**
 * Reorders the low-rank decoder's mask logits from the order its two 2x2 transposed convolutions
 * produce them, [B, g*g, 16, T] (grid cell (y, x), sub-positions (dy1, dx1, dy2, dx2), token t), into
 * planes [B, T, 4g, 4g] with row Y = 4y + 2*dy1 + dy2 and column X = 4x + 2*dx1 + dx2.
 */
export function interleaveLowResMasks(src: Float32Array, batch: number, tokens: number, grid: number, out?: Float32Array): Float32Array {
  const side = grid * 4;
  const plane = side * side;
  const cells = grid * grid;
  const need = batch * tokens * plane;
  if (src.length !== need) throw new RangeError(`expected ${need} logits for ${batch}x${tokens} masks of ${side}x${side}, got ${src.length}`);
  const dst = out ?? new Float32Array(need);
  for (let b = 0; b < batch; b++) {
    const srcB = b * cells * 16 * tokens;
    const dstB = b * tokens * plane;
    for (let y = 0; y < grid; y++) {
      for (let x = 0; x < grid; x++) {
        let s = srcB + (y * grid + x) * 16 * tokens;
        for (let k = 0; k < 16; k++) {
          // k = ((dy1 * 2 + dx1) * 2 + dy2) * 2 + dx2
          const Y = 4 * y + 2 * (k >> 3) + ((k >> 1) & 1);
          const X = 4 * x + 2 * ((k >> 2) & 1) + (k & 1);
          const d = dstB + Y * side + X;
          for (let t = 0; t < tokens; t++) dst[d + t * plane] = src[s + t];
          s += tokens;
        }
      }
    }
  }
  return dst;
}
