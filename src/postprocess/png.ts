/** PNG export of automatic-mask-generator output: one mask, or all masks as a colour label image. */
import { Mask } from '../core/mask.js';
import { rleToMask, type Rle } from '../core/rle.js';
import { encodePng } from '../image/encode-png.js';
import { labelMap, labelsToRgb, maskToGray, type LabelMapOptions, type MaskLike } from '../render/label-image.js';

/** One mask as a greyscale PNG (255 inside, 0 outside). */
export async function maskToPng(mask: Mask | Rle): Promise<Buffer> {
  const m = mask instanceof Mask ? mask : rleToMask(mask);
  return encodePng(maskToGray(m), m.width, m.height, 1);
}

/** All masks as one RGB PNG, a distinct colour per mask on black (smaller masks on top by default). */
export async function labelImagePng(
  masks: readonly MaskLike[], width: number, height: number,
  options: LabelMapOptions & { colors?: ReadonlyArray<readonly [number, number, number]> } = {},
): Promise<Buffer> {
  const labels = labelMap(masks, width, height, options);
  return encodePng(labelsToRgb(labels, width, height, { colors: options.colors }), width, height, 3);
}
