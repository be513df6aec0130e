/**
 * Pixel-border contours moved onto pixel centres, the convention YOLO tools rasterise: Ultralytics'
 * `polygon2mask` truncates vertices to integers and `cv2.fillPoly` fills every pixel whose centre
 * the polygon covers, boundary included. A ring along pixel borders (vertices on pixel corners)
 * fills a one-pixel band too many on the right and bottom there; the same ring moved half a pixel
 * into the mask (vertices on the centres of the boundary pixels) fills exactly the mask's pixels.
 *
 * Rings are flat [x0, y0, ...] arrays from `maskToPolygons` (tolerance 0: axis-aligned edges, the
 * mask on the right of every edge, outer rings and holes alike). Output vertices are at c + 0.5 in
 * image coordinates (c = the pixel's column or row), so truncation gives c back whatever the
 * rounding of the normalised values.
 */

/** Unit normal pointing to the right of the edge direction (dx, dy) on screen (y down): the mask side. */
function rightNormal(dx: number, dy: number): [number, number] {
  const len = Math.hypot(dx, dy) || 1;
  return [-dy / len, dx / len];
}

/** The ring moved half a pixel towards the mask: each vertex to where its two edges' offset lines meet. */
export function toPixelCentres(ring: readonly number[]): number[] {
  const n = ring.length / 2;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = (i + n - 1) % n, q = (i + 1) % n;
    const x = ring[2 * i], y = ring[2 * i + 1];
    const [ax, ay] = rightNormal(x - ring[2 * p], y - ring[2 * p + 1]);
    const [bx, by] = rightNormal(ring[2 * q] - x, ring[2 * q + 1] - y);
    // Perpendicular edges (a corner): offset along both normals; collinear edges: along the one.
    const corner = Math.abs(ax * bx + ay * by) < 0.5;
    out.push(corner ? x + 0.5 * (ax + bx) : x + 0.5 * ax, corner ? y + 0.5 * (ay + by) : y + 0.5 * ay);
  }
  return out;
}
