/**
 * The per-image results the batch commands store in their journal and build datasets from: the
 * official automatic mask generator's record fields, with the mask as pycocotools-compressed RLE.
 */
import type { CompressedRle } from '../core/rle.js';

/** [x, y, w, h] in the official convention (w = last column - first column, as `batched_mask_to_box`). */
export type Xywh = [number, number, number, number];

export interface MaskRecord {
  segmentation: CompressedRle;
  area: number;
  bbox: Xywh;
  predicted_iou: number;
  point_coords: Array<[number, number]>;
  stability_score: number;
  crop_box: Xywh;
  /** Category of a labelled mask (text prompts: the phrase's 1-based index); absent = the one 'object' category. */
  category_id?: number;
  /** Detector score of a text-prompted mask. */
  score?: number;
}

/** One image's generator output, as the journal keeps it. */
export interface ImageRecords {
  width: number;
  height: number;
  records: MaskRecord[];
}

/** An image of the dataset being assembled, in output order. */
export interface DatasetImage extends ImageRecords {
  /** COCO image id. */
  id: number;
  /** Path relative to the input folder, posix separators. */
  fileName: string;
  /** Output name without extension for per-image formats (relative path, see outputStems). */
  stem: string;
  /** Id of the first annotation of this image; the others follow in record order. */
  firstAnnotationId: number;
}
