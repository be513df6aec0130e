/** Bilinear resize of interleaved 8-bit pixels (half-pixel centres), for the model backends' crops. Pure. */
export function resizeBilinear(src: Uint8Array, sw: number, sh: number, channels: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh * channels);
  const sx = sw / dw, sy = sh / dh;
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, sh - 1), wy = fy - y0;
    for (let x = 0; x < dw; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, sw - 1), wx = fx - x0;
      for (let c = 0; c < channels; c++) {
        const a = src[(y0 * sw + x0) * channels + c], b = src[(y0 * sw + x1) * channels + c];
        const d = src[(y1 * sw + x0) * channels + c], e = src[(y1 * sw + x1) * channels + c];
        const top = a + (b - a) * wx, bottom = d + (e - d) * wx;
        out[(y * dw + x) * channels + c] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return out;
}

/** Nearest-neighbour resize of a 0/1 mask, any set source pixel under a target pixel's footprint counts. */
export function resizeMaskCover(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    const ya = Math.floor((y * sh) / dh), yb = Math.max(ya + 1, Math.ceil(((y + 1) * sh) / dh));
    for (let x = 0; x < dw; x++) {
      const xa = Math.floor((x * sw) / dw), xb = Math.max(xa + 1, Math.ceil(((x + 1) * sw) / dw));
      let v = 0;
      for (let yy = ya; yy < yb && !v; yy++) for (let xx = xa; xx < xb; xx++) if (src[yy * sw + xx]) { v = 1; break; }
      out[y * dw + x] = v;
    }
  }
  return out;
}
