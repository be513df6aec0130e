/**
 * What the import parsers produce: per image of the imported file, its masks in the geometry the
 * file stores them in (rasterised later, once the project image and its size are known). Pure types.
 */
import type { Rle } from '../../core/rle.js';

/** The formats `samkit import` reads. */
export type ImportFormat = 'coco' | 'yolo' | 'sa1b' | 'png' | 'labelme' | 'auto' | 'ground' | 'predict';

/** One LabelMe shape in image pixels: a polygon ring, a rectangle's two corners, a circle's centre and a point on it. */
export interface LabelmePart { type: 'polygon' | 'rectangle' | 'circle'; points: number[] }

/** A mask as the file holds it. */
export type ImportShape =
  /** RLE, pycocotools-compressed string counts or uncompressed (column-major) counts. */
  | { kind: 'rle'; rle: Rle }
  /** COCO polygons: flat [x0, y0, ...] rings in pixel-corner coordinates, their union is the mask. */
  | { kind: 'polygons'; rings: number[][] }
  /** A YOLO ring, normalised by the image size (vertices on pixel centres, as Ultralytics rasterises). */
  | { kind: 'yolo'; ring: number[] }
  /** LabelMe / X-AnyLabeling shapes of one object (united), in image pixels. */
  | { kind: 'labelme'; parts: LabelmePart[] }
  /** A decoded mask (PNG folders). */
  | { kind: 'bitmap'; width: number; height: number; data: Uint8Array };

export interface ImportedMask {
  shape: ImportShape;
  /** Category name, or '' when the file has none (class-agnostic output). */
  label: string;
  /** Detector score, else the predicted IoU, else null. */
  score: number | null;
  predictedIou: number | null;
  stabilityScore: number | null;
  /** Where in the file it came from, for error messages ("annotations[3]"). */
  where: string;
}

/** How an imported image names its project image. */
export type ImageRef =
  /** A path as the file gives it (COCO file_name, SA-1B file_name, a YOLO/PNG folder stem). */
  | { fileName: string; stem?: false }
  /** An output stem: the image's path inside the folder without extension (YOLO labels, PNG folders, SA-1B files). */
  | { fileName: string; stem: true }
  /** Records with no image name (`samkit auto`, `ground`, `predict` output): the caller names the image. */
  | null;

export interface ImportedImage {
  ref: ImageRef;
  /** The size the file states, checked against the project image. */
  width?: number;
  height?: number;
  masks: ImportedMask[];
  /** Where in the import it came from ("dataset.json images[2]", "labels/a.txt"). */
  where: string;
}

export interface ImportSet {
  format: ImportFormat;
  images: ImportedImage[];
}
