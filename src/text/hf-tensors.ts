/** The little of transformers.js's tensor and image types samkit touches. */
import type { RgbImage } from '../image/load-image.js';

export interface Tensor { dims: number[]; data: ArrayLike<number | bigint>; tolist(): unknown }

/** samkit's packed RGB as transformers.js's RawImage (shares the pixels). */
export function toRawImage(t: typeof import('@huggingface/transformers'), image: RgbImage): InstanceType<typeof t.RawImage> {
  const px = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.width * image.height * 3);
  return new t.RawImage(px, image.width, image.height, 3);
}
