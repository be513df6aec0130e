/**
 * Point grids and crop boxes of the automatic mask generator, computed with the same float64
 * arithmetic as the official `build_point_grid` (numpy linspace) and `generate_crop_boxes`.
 */

/** n x n points evenly spaced in [0, 1]^2, flat [x0, y0, x1, y1, ...], x varying fastest. */
export function buildPointGrid(n: number): Float64Array {
  const offset = 1 / (2 * n);
  const side = new Float64Array(n);
  // numpy.linspace: start + i * step, with the last sample set to stop exactly.
  const step = (1 - offset - offset) / (n - 1);
  for (let i = 0; i < n; i++) side[i] = n > 1 ? i * step + offset : offset;
  if (n > 1) side[n - 1] = 1 - offset;
  const out = new Float64Array(2 * n * n);
  for (let r = 0, k = 0; r < n; r++) {
    for (let c = 0; c < n; c++, k += 2) {
      out[k] = side[c];
      out[k + 1] = side[r];
    }
  }
  return out;
}

/** One grid per crop layer: layer i has trunc(n / scale^i) points per side. */
export function buildAllLayerPointGrids(n: number, layers: number, scalePerLayer: number): Float64Array[] {
  const grids: Float64Array[] = [];
  for (let i = 0; i <= layers; i++) grids.push(buildPointGrid(Math.trunc(n / scalePerLayer ** i)));
  return grids;
}

/** [x0, y0, x1, y1], x1/y1 exclusive, in image pixels. */
export type CropBox = [number, number, number, number];

export interface CropBoxes {
  boxes: CropBox[];
  /** Crop layer of each box (0 = the whole image). */
  layers: number[];
}

/**
 * The whole image, then for layer i (1-based) a 2^i x 2^i set of overlapping crops, listed with x0 in
 * the outer loop as the official itertools.product does.
 */
export function generateCropBoxes(width: number, height: number, nLayers: number, overlapRatio: number): CropBoxes {
  const boxes: CropBox[] = [[0, 0, width, height]];
  const layers = [0];
  const shortSide = Math.min(width, height);
  const cropLen = (orig: number, n: number, overlap: number) => Math.ceil((overlap * (n - 1) + orig) / n);
  for (let layer = 0; layer < nLayers; layer++) {
    const perSide = 2 ** (layer + 1);
    const overlap = Math.trunc(overlapRatio * shortSide * (2 / perSide));
    const cropW = cropLen(width, perSide, overlap);
    const cropH = cropLen(height, perSide, overlap);
    for (let i = 0; i < perSide; i++) {
      const x0 = Math.trunc((cropW - overlap) * i);
      for (let j = 0; j < perSide; j++) {
        const y0 = Math.trunc((cropH - overlap) * j);
        boxes.push([x0, y0, Math.min(x0 + cropW, width), Math.min(y0 + cropH, height)]);
        layers.push(layer + 1);
      }
    }
  }
  return { boxes, layers };
}
