/** Remove several found objects at once (what `ground --inpaint remove --out-image` plugs in): inpaint their union. */
import { InvalidArgumentError } from '../core/errors.js';
import { Mask } from '../core/mask.js';
import type { RgbImage } from '../image/load-image.js';
import { inpaint, type InpaintOptions, type InpaintResult } from './inpaint.js';

export async function removeObjects(image: RgbImage, masks: Mask[], options: InpaintOptions = {}): Promise<InpaintResult> {
  if (masks.length === 0) throw new InvalidArgumentError('no objects to remove: the mask list is empty');
  const union = new Uint8Array(image.width * image.height);
  for (const m of masks) {
    if (m.width !== image.width || m.height !== image.height) throw new InvalidArgumentError(`a mask is ${m.width}x${m.height} but the image is ${image.width}x${image.height}`);
    for (let i = 0; i < union.length; i++) union[i] |= m.data[i];
  }
  return inpaint(image, new Mask(image.width, image.height, union), options);
}
