import { Mask } from '../../src/core/mask.js';

/**
 * Ultralytics' polygon2mask as a reference: vertices truncated to integers, then cv2.fillPoly, which
 * fills the pixels inside the polygon and those its edges pass through (boundary included).
 */
export function fillPolyLikeCv2(ring: readonly number[], width: number, height: number): Mask {
  const v = ring.map((c) => Math.trunc(c));
  const n = v.length / 2;
  const out = new Mask(width, height);
  const onEdge = (x: number, y: number): boolean => {
    for (let i = 0; i < n; i++) {
      const ax = v[2 * i], ay = v[2 * i + 1], bx = v[2 * ((i + 1) % n)], by = v[2 * ((i + 1) % n) + 1];
      const cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
      if (cross === 0 && x >= Math.min(ax, bx) && x <= Math.max(ax, bx) && y >= Math.min(ay, by) && y <= Math.max(ay, by)) return true;
    }
    return false;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let inside = false;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const xi = v[2 * i], yi = v[2 * i + 1], xj = v[2 * j], yj = v[2 * j + 1];
        if ((yi > y) !== (yj > y) && x < xj + ((y - yj) * (xi - xj)) / (yi - yj)) inside = !inside;
      }
      out.data[y * width + x] = inside || onEdge(x, y) ? 1 : 0;
    }
  }
  return out;
}

