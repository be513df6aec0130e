/**
 * Types shared by the annotation server and the browser app. Pure declarations and small pure
 * helpers only: the browser bundle imports this file.
 */

/** Image ids are the sha256 of the uploaded file's bytes (also the embedding store key). */
export const IMAGE_ID_PATTERN = /^[0-9a-f]{64}$/;

export interface ImageInfo {
  id: string;
  /** The uploaded file's name, for display and export file names only. */
  name: string;
  width: number;
  height: number;
  format: 'jpeg' | 'png' | 'webp';
  bytes: number;
  uploadedAt: string;
}

export interface ImageListEntry extends ImageInfo {
  objects: number;
  updatedAt: string | null;
}

export interface ModelInfo {
  id: string;
  inputSize: number;
  /** How images are fitted to the input square: SAM's longest side plus padding, or SAM 2's stretch. */
  resize: 'longest-side' | 'stretch';
  maskInputSize: number;
  embeddingShape: number[];
  /**
   * The decoder's family ('sam-onnx': the official export; else a generic-path family, whose graph
   * the page runs with src/models/codecs.ts) and the prompt kinds it takes.
   */
  decoderFamily: string;
  supports: { points: boolean; boxes: boolean; maskInput: boolean; singleMask: boolean };
  /** Where the browser loads the prompt decoder from. */
  decoderUrl: string;
  decoderBytes: number;
  /**
   * The decoder as a per-image part (run once per image) and a per-prompt part (run per pointer move;
   * prompts without a mask input), from SamModel.promptGraphs. `blockedMasks`: the prompt part returns
   * masks in the low-rank decoder's blocked order (interleaveLowResMasks). Null when unavailable: the
   * page then hovers with the full decoder.
   */
  hoverDecoder: { imageUrl: string; promptUrl: string; carried: string[]; blockedMasks: boolean } | null;
  /** The automatic mask generator is available on this server. */
  automatic: boolean;
  /** Polygon exports (COCO polygons, YOLO) are available. */
  polygons: boolean;
  /** Typical encoder time on this machine, for the progress estimate. */
  encodeMsEstimate: number;
  limits: { maxUploadBytes: number; maxPixels: number };
}

/** COCO compressed RLE (pycocotools string counts). */
export interface CocoRle { size: [number, number]; counts: string }

/** 'import': accepted from an imported proposal (review). */
export type ObjectSource = 'hover' | 'click' | 'box' | 'candidate' | 'auto' | 'import';

/** One accepted object, in original image pixels. */
export interface AnnotationObject {
  id: string;
  label: string;
  segmentation: CocoRle;
  area: number;
  /** [x, y, w, h] with w, h = last - first as the official SAM records (SA-1B). */
  bbox: [number, number, number, number];
  predictedIou: number | null;
  stabilityScore: number | null;
  pointCoords: Array<[number, number]>;
  pointLabels: number[];
  box: [number, number, number, number] | null;
  cropBox: [number, number, number, number];
  source: ObjectSource;
  visible: boolean;
  createdAt: string;
}

export interface AnnotationDoc {
  version: 1;
  imageId: string;
  objects: AnnotationObject[];
  updatedAt: string;
}

/** Options of the automatic mask generator the page exposes (official names in camelCase). */
export interface AutoOptions {
  pointsPerSide: number;
  predIouThresh: number;
  stabilityScoreThresh: number;
  boxNmsThresh: number;
  cropNLayers: number;
  minMaskRegionArea: number;
}

export const AUTO_DEFAULTS: AutoOptions = {
  pointsPerSide: 32,
  predIouThresh: 0.88,
  stabilityScoreThresh: 0.95,
  boxNmsThresh: 0.7,
  cropNLayers: 0,
  minMaskRegionArea: 0,
};

/** Inclusive bounds the server enforces on AutoOptions. */
export const AUTO_LIMITS: Record<keyof AutoOptions, [number, number, 'int' | 'float']> = {
  pointsPerSide: [1, 64, 'int'],
  predIouThresh: [0, 1, 'float'],
  stabilityScoreThresh: [0, 1, 'float'],
  boxNmsThresh: [0, 1, 'float'],
  cropNLayers: [0, 2, 'int'],
  minMaskRegionArea: [0, 100000, 'int'],
};

/** One record of the automatic mask generator, as the official code writes it (COCO RLE). */
export interface AutoRecord {
  segmentation: CocoRle;
  area: number;
  bbox: [number, number, number, number];
  predicted_iou: number;
  point_coords: Array<[number, number]>;
  stability_score: number;
  crop_box: [number, number, number, number];
}

/** Lines of the NDJSON stream answering POST /api/images/:id/auto. */
export type AutoEvent =
  | { type: 'progress'; cropsDone: number; cropsTotal: number; batchesDone: number; batchesTotal: number }
  | { type: 'result'; records: AutoRecord[]; elapsedMs: number }
  | { type: 'error'; error: string };

export const EXPORT_FORMATS = ['coco-rle', 'coco-polygons', 'yolo', 'png-masks', 'png-labelmap', 'sa1b'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
