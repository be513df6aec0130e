/** The automatic mask generator ("segment everything") and its building blocks. */
export {
  SamAutomaticMaskGenerator, postprocessSmallRegions,
  type AmgModel, type AmgRecord, type AmgSegmentation, type AmgProgress, type AmgGenerateOptions, type AmgStats,
} from './generator.js';
export { AMG_DEFAULTS, AMG_OUTPUT_MODES, resolveAmgOptions, type AmgOptions, type AmgOutputMode, type PointGrid, type ResolvedAmgOptions } from './options.js';
export { buildPointGrid, buildAllLayerPointGrids, generateCropBoxes, type CropBox, type CropBoxes } from './grid.js';
export { boxNms, isBoxNearCropEdge } from './nms.js';
export { removeSmallRegionsRle, cleanMaskRle, type SmallRegionMode } from './regions.js';
