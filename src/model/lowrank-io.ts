/**
 * The low-rank prompt graph's own inputs and outputs (see lowrank-decoder.ts), in a module without
 * dependencies so the web page's decoder worker can use them too.
 */

/**
 * The prompt graph's mask output: [B, cells, 16, 4] logits in the transposed convolutions' order
 * (cell of the 64x64 grid within mask_extent, row-major; then sub-positions (dy1, dx1, dy2, dx2);
 * then mask token). Reordering in ONNX costs more than the loop in interleaveLowResMasks.
 */
export const LOWRANK_MASKS_OUTPUT = 'low_res_masks_blocked';
/**
 * The prompt graph's int64 input [rows, cols]: masks are computed for the grid cells (4x4 low-res
 * pixels each) of rows [0, rows) and columns [0, cols) only; 64 x 64 is the whole mask.
 */
export const LOWRANK_EXTENT_INPUT = 'mask_extent';
/** Side of the low-rank graph's cell grid (the image embedding's): masks are 4 * LOWRANK_GRID pixels square. */
export const LOWRANK_GRID = 64;

/** The mask_extent input's values for grid cells rows x cols. */
export function extentValues(cells: { rows: number; cols: number }): BigInt64Array {
  return BigInt64Array.from([BigInt(cells.rows), BigInt(cells.cols)]);
}
