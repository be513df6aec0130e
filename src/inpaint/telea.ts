/**
 * Classical inpainting by the fast marching method (Telea 2004, "An Image Inpainting Technique Based
 * on the Fast Marching Method"): the hole is filled from its border inwards in order of distance T,
 * each pixel from the known pixels within `radius`, weighted by direction, distance and level-set
 * closeness, with the first-order (gradient) term. `ns` keeps the same marching order but weights
 * neighbours by how well the step follows the image's isophotes (the idea of Bertalmio's
 * Navier-Stokes inpainting, as in OpenCV's INPAINT_NS), without the gradient term. Pure typed arrays.
 */
import { MinHeap } from './min-heap.js';

const KNOWN = 0, BAND = 1, INSIDE = 2;
const FAR = 1e6;

export type ClassicalMethod = 'telea' | 'ns';

/** Fill the masked pixels of interleaved RGB `image` (row-major 0/1 `mask`); returns a new image. */
export function inpaintClassical(
  image: Uint8Array, width: number, height: number, mask: Uint8Array, radius = 5, method: ClassicalMethod = 'telea',
): Uint8Array {
  const n = width * height;
  const out = image.slice();
  const flag = new Uint8Array(n);
  const T = new Float32Array(n);
  const heap = new MinHeap();
  for (let i = 0; i < n; i++) if (mask[i]) { flag[i] = INSIDE; T[i] = FAR; }
  // The initial front: known pixels touching the hole.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (flag[i] !== KNOWN) continue;
      if ((x > 0 && flag[i - 1] === INSIDE) || (x < width - 1 && flag[i + 1] === INSIDE)
        || (y > 0 && flag[i - width] === INSIDE) || (y < height - 1 && flag[i + width] === INSIDE)) {
        flag[i] = BAND;
        heap.push(0, i);
      }
    }
  }
  const done = new Uint8Array(n); // popped from the heap (final T)
  const tOf = (x: number, y: number): number => (x < 0 || y < 0 || x >= width || y >= height ? FAR : T[y * width + x]);
  const flagOf = (x: number, y: number): number => (x < 0 || y < 0 || x >= width || y >= height ? INSIDE : flag[y * width + x]);

  // The eikonal update |grad T| = 1 from two neighbours (one per axis).
  const solve = (x1: number, y1: number, x2: number, y2: number): number => {
    const f1 = flagOf(x1, y1), f2 = flagOf(x2, y2);
    const a = tOf(x1, y1), b = tOf(x2, y2);
    if (f1 !== INSIDE && f2 !== INSIDE) {
      if (Math.abs(a - b) >= 1) return 1 + Math.min(a, b);
      return (a + b + Math.sqrt(2 - (a - b) * (a - b))) / 2;
    }
    if (f1 !== INSIDE) return 1 + a;
    if (f2 !== INSIDE) return 1 + b;
    return 1 + Math.min(a, b);
  };

  // One-sided or central difference of a per-pixel quantity over pixels that are not INSIDE.
  const diff = (x: number, y: number, dx: number, dy: number, get: (j: number) => number): number => {
    const i = y * width + x;
    const fwd = flagOf(x + dx, y + dy) !== INSIDE, back = flagOf(x - dx, y - dy) !== INSIDE;
    const step = dy * width + dx;
    if (fwd && back) return (get(i + step) - get(i - step)) / 2;
    if (fwd) return get(i + step) - get(i);
    if (back) return get(i) - get(i - step);
    return 0;
  };
  const getT = (j: number): number => T[j];
  const r2max = radius * radius;

  const fill = (px: number, py: number): void => {
    const p = py * width + px;
    const gtx = diff(px, py, 1, 0, getT), gty = diff(px, py, 0, 1, getT);
    const gtn = Math.hypot(gtx, gty);
    for (let c = 0; c < 3; c++) {
      const getI = (j: number): number => out[3 * j + c];
      let sw = 0, sv = 0, lo = 255, hi = 0;
      for (let qy = Math.max(0, py - radius); qy <= Math.min(height - 1, py + radius); qy++) {
        for (let qx = Math.max(0, px - radius); qx <= Math.min(width - 1, px + radius); qx++) {
          const q = qy * width + qx;
          if (flag[q] === INSIDE || q === p) continue;
          const rx = px - qx, ry = py - qy, r2 = rx * rx + ry * ry;
          if (r2 > r2max) continue;
          const r = Math.sqrt(r2);
          const gix = diff(qx, qy, 1, 0, getI), giy = diff(qx, qy, 0, 1, getI);
          let dir: number;
          if (method === 'telea') {
            dir = gtn > 0 ? Math.abs(rx * gtx + ry * gty) / (r * gtn) : 1;
          } else {
            // Isophote direction at q is perpendicular to the image gradient there.
            const gin = Math.hypot(gix, giy);
            dir = gin > 0 ? Math.abs(rx * giy - ry * gix) / (r * gin) : 1;
          }
          const w = Math.max(dir, 1e-6) * (1 / r2) * (1 / (1 + Math.abs(T[q] - T[p])));
          const est = method === 'telea' ? out[3 * q + c] + gix * rx + giy * ry : out[3 * q + c];
          sw += w;
          sv += w * est;
          const v = out[3 * q + c];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      // The gradient term extrapolates; kept within the neighbours' range so noise cannot drift over a large hole.
      if (sw > 0) out[3 * p + c] = Math.max(lo, Math.min(hi, Math.round(sv / sw)));
    }
  };

  while (heap.size > 0) {
    const i = heap.pop();
    if (done[i]) continue; // a stale entry: the pixel was already settled at a smaller T
    done[i] = 1;
    flag[i] = KNOWN;
    const x = i % width, y = (i - x) / width;
    for (const [nx, ny] of [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]] as const) {
      if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
      const j = ny * width + nx;
      if (flag[j] === KNOWN) continue;
      const t = Math.min(solve(nx - 1, ny, nx, ny - 1), solve(nx + 1, ny, nx, ny - 1), solve(nx - 1, ny, nx, ny + 1), solve(nx + 1, ny, nx, ny + 1));
      if (t < T[j]) T[j] = t;
      if (flag[j] === INSIDE) {
        // Filled while still INSIDE, so its own stale colour is not in its neighbours' gradients.
        fill(nx, ny);
        flag[j] = BAND;
      }
      heap.push(T[j], j);
    }
  }
  return out;
}
