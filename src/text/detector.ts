/** What samkit needs from an open-vocabulary detector: phrases in, scored boxes in image pixels out. */
import type { RgbImage } from '../image/load-image.js';

export type XyxyBox = [number, number, number, number];

export interface Detection {
  /** One of the phrases asked for. */
  label: string;
  /** In [0, 1]. */
  score: number;
  /** [x0, y0, x1, y1] in original-image pixels, clipped to the image. */
  box: XyxyBox;
}

export interface DetectOptions {
  /** Minimum box score (Grounded-SAM's box_threshold). */
  boxThreshold: number;
  /** Grounding DINO only: minimum score of a phrase's tokens for the label (text_threshold). */
  textThreshold: number;
}

export type DetectorFamily = 'owlvit' | 'owlv2' | 'grounding-dino';

export interface TextDetector {
  readonly family: DetectorFamily;
  /** Where it was loaded from (folder or hub id). */
  readonly source: string;
  detect(image: RgbImage, phrases: readonly string[], options: DetectOptions): Promise<Detection[]>;
}

export function clipBox(b: readonly number[], width: number, height: number): XyxyBox {
  const cx = (v: number): number => Math.min(Math.max(v, 0), width);
  const cy = (v: number): number => Math.min(Math.max(v, 0), height);
  return [cx(b[0]), cy(b[1]), cx(b[2]), cy(b[3])];
}
