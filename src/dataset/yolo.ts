/**
 * YOLO segmentation labels (Ultralytics layout): one `<class> x0 y0 x1 y1 ...` line per mask, the
 * polygon normalised by the image size. Class-agnostic output uses the single class 0 = object.
 */
import type { DatasetImage } from './records.js';

export const YOLO_CLASSES = 'object\n';

function coord(v: number): string {
  // 6 decimals is a tenth of a pixel up to 10,000 px, and keeps label files small.
  const s = Math.min(Math.max(v, 0), 1).toFixed(6);
  return s.replace(/\.?0+$/, '') || '0';
}

/** The label file for one image; masks whose polygon is empty (too small to trace) get no line. */
export function yoloLabels(image: DatasetImage, polygon: (image: DatasetImage, index: number) => number[]): string {
  const lines: string[] = [];
  image.records.forEach((rec, k) => {
    const ring = polygon(image, k);
    if (ring.length < 6) return;
    const parts = [String((rec.category_id ?? 1) - 1)];
    for (let i = 0; i < ring.length; i += 2) parts.push(coord(ring[i] / image.width), coord(ring[i + 1] / image.height));
    lines.push(parts.join(' '));
  });
  return lines.length ? `${lines.join('\n')}\n` : '';
}
