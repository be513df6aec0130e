/**
 * LabelMe / X-AnyLabeling per-image JSON: `{ version, flags, shapes: [{ label, points, group_id,
 * shape_type: 'polygon', flags, description }], imagePath, imageData: null, imageHeight, imageWidth }`,
 * the file those tools open beside each image. One polygon per mask, in image pixels, traced on
 * pixel centres with parts and holes joined by zero-width bridges (the same ring as the YOLO labels,
 * see pixel-centres.ts): LabelMe fills it with PIL's polygon (edges included), which gives the mask
 * back. Labels are the category names ('object' for class-agnostic masks); scores go in the shape's
 * `score` field as X-AnyLabeling writes it. Pure.
 */
import type { DatasetImage } from './records.js';

/** The LabelMe format version written (fields as labelme 5.x reads them). */
export const LABELME_VERSION = '5.4.1';

/** Pixel coordinates with at most 2 decimals (rings are on pixel centres; bridges may be fractional). */
const px = (v: number): number => Math.round(v * 100) / 100;

export function labelmeJson(image: DatasetImage, polygon: (image: DatasetImage, index: number) => number[], names: readonly string[] | undefined, imagePath: string): string {
  const shapes: unknown[] = [];
  image.records.forEach((rec, k) => {
    const ring = polygon(image, k);
    if (ring.length < 6) return;
    const points: Array<[number, number]> = [];
    for (let i = 0; i < ring.length; i += 2) points.push([px(ring[i]), px(ring[i + 1])]);
    const label = names?.[(rec.category_id ?? 1) - 1] ?? 'object';
    shapes.push({ label, score: rec.score ?? rec.predicted_iou, points, group_id: null, description: '', difficult: false, shape_type: 'polygon', flags: {} });
  });
  return `${JSON.stringify({ version: LABELME_VERSION, flags: {}, shapes, imagePath, imageData: null, imageHeight: image.height, imageWidth: image.width }, null, 2)}\n`;
}
