/** samkit's public API (Node entry point). */
// First: a missing onnxruntime-node binary becomes one line naming the fix, before anything uses it.
import './runtime/ort-check.js';
export * from './core/errors.js';
export { Mask } from './core/mask.js';
export * from './core/rle.js';
export type { Prompt, Point, Box } from './core/prompt.js';
export { preprocessShape, applyCoords, type Size, type PreprocessConfig } from './core/transforms.js';
export { resizeBilinearPil } from './core/resize-pil.js';
export { SamPredictor, MASK_THRESHOLD, type PredictOptions, type PredictResult, type ImageEmbedding } from './predictor.js';
export { SamModel, type LoadModelOptions, type ModelSource } from './model/sam-model.js';
export { parseManifest, loadManifest, DEFAULT_PREPROCESS, type ModelManifest, type ModelFileRef } from './model/manifest.js';
export { defaultModelManifest, resolveModelFile } from './model/resolve.js';
export { downloadFile, progressBarReporter } from './model/download.js';
export { loadImage, decodeImage, type ImageInput, type RawImage, type RgbImage } from './image/load-image.js';
export { EmbeddingStore, imageKey, type EmbeddingMeta, type StoredEmbedding } from './store/embedding-store.js';
export { overlayMasks, PALETTE } from './render/overlay.js';
export { encodeNpyFloat32, decodeNpyFloat32 } from './io/npy.js';
export { SamAutomaticMaskGenerator, type AmgRecord, type AmgProgress, type AmgGenerateOptions } from './amg/generator.js';
export { AMG_DEFAULTS, type AmgOptions, type AmgOutputMode } from './amg/options.js';
export * from './postprocess/index.js';
export * from './text/index.js';
export * from './inpaint/index.js';
export * from './speech/index.js';
