/** PNG encoding at the edge (sharp). */
import sharp from 'sharp';

/** Encode interleaved 8-bit pixels (1 = grey, 3 = RGB, 4 = RGBA channels) as PNG. */
export async function encodePng(data: Uint8Array, width: number, height: number, channels: 1 | 3 | 4): Promise<Buffer> {
  return sharp(data, { raw: { width, height, channels } }).png({ compressionLevel: 6 }).toBuffer();
}
