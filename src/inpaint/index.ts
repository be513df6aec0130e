export { inpaint, maskPixels, DEFAULT_DILATE, type InpaintMethod, type InpaintOptions, type InpaintResult } from './inpaint.js';
export { inpaintClassical, type ClassicalMethod } from './telea.js';
export { inpaintLama, lamaCrop, LAMA_SIZE, type LamaRunner } from './lama.js';
export { inpaintSd, sdRequestBody, type SdOptions } from './sd-client.js';
export { dilateMask, maskBounds, compositeMasked } from './mask-ops.js';
export { readMaskFile } from './mask-file.js';
export { removeObjects } from './remove-objects.js';
