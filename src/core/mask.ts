/**
 * A binary mask: one byte per pixel (0 or 1), row-major, with its width and height.
 * Masks are compact buffers, never nested arrays, so they stay cheap to create, copy and send.
 */
export class Mask {
  readonly width: number;
  readonly height: number;
  /** Row-major pixels, index y * width + x, each 0 or 1. */
  readonly data: Uint8Array;

  constructor(width: number, height: number, data?: Uint8Array) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
      throw new RangeError(`mask size must be non-negative integers, got ${width}x${height}`);
    }
    if (data && data.length !== width * height) {
      throw new RangeError(`mask data has ${data.length} pixels, expected ${width}x${height}=${width * height}`);
    }
    this.width = width;
    this.height = height;
    this.data = data ?? new Uint8Array(width * height);
  }

  get(x: number, y: number): number { return this.data[y * this.width + x]; }

  /** Number of pixels set. */
  get area(): number {
    const d = this.data;
    let n = 0;
    for (let i = 0; i < d.length; i++) n += d[i];
    return n;
  }

  /**
   * Bounding box [x, y, w, h] as the official `batched_mask_to_box` + `box_xyxy_to_xywh` give it:
   * w and h are last - first (inclusive last pixel), so a single pixel has w = h = 0; an empty mask gives [0,0,0,0].
   */
  get bbox(): [number, number, number, number] {
    const { width: w, height: h, data: d } = this;
    let x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (let y = 0; y < h; y++) {
      const row = y * w;
      let first = -1, last = -1;
      for (let x = 0; x < w; x++) if (d[row + x]) { first = x; break; }
      if (first < 0) continue;
      for (let x = w - 1; x >= first; x--) if (d[row + x]) { last = x; break; }
      if (y < y0) y0 = y;
      y1 = y;
      if (first < x0) x0 = first;
      if (last > x1) x1 = last;
    }
    if (x1 < 0) return [0, 0, 0, 0];
    return [x0, y0, x1 - x0, y1 - y0];
  }
}
