/** Row-major 0/1 masks for inpainting: dilation, bounding box, compositing. Pure, typed arrays. */

/** Grow a mask by `radius` pixels (a disk), so the fill also covers the object's soft edge. */
export function dilateMask(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (radius <= 0) return mask.slice();
  // Separable passes would give a square; a disk keeps corners round like OpenCV's elliptic kernel.
  const offsets: Array<[number, number]> = [];
  for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) if (dx * dx + dy * dy <= radius * radius) offsets.push([dx, dy]);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      // Only boundary pixels spread; interior ones are set directly.
      const interior = x > 0 && y > 0 && x < width - 1 && y < height - 1
        && mask[y * width + x - 1] && mask[y * width + x + 1] && mask[(y - 1) * width + x] && mask[(y + 1) * width + x];
      if (interior) { out[y * width + x] = 1; continue; }
      for (const [dx, dy] of offsets) {
        const xx = x + dx, yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < width && yy < height) out[yy * width + xx] = 1;
      }
    }
  }
  return out;
}

/** [x0, y0, x1, y1] (exclusive end) of the set pixels, or undefined when none is set. */
export function maskBounds(mask: Uint8Array, width: number, height: number): [number, number, number, number] | undefined {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!mask[row + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? undefined : [x0, y0, x1 + 1, y1 + 1];
}

/** Copy of `original` with the masked pixels taken from `filled` (both interleaved RGB, same size). */
export function compositeMasked(original: Uint8Array, filled: Uint8Array, mask: Uint8Array): Uint8Array {
  const out = original.slice();
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    out[3 * i] = filled[3 * i];
    out[3 * i + 1] = filled[3 * i + 1];
    out[3 * i + 2] = filled[3 * i + 2];
  }
  return out;
}
