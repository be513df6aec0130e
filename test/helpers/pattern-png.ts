/** A small PNG with a deterministic byte pattern (distinct images by seed), for server tests. */
import sharp from 'sharp';

export async function patternPng(w: number, h: number, seed = 0): Promise<Buffer> {
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < px.length; i++) px[i] = (i * 7 + seed) & 255;
  return sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}
