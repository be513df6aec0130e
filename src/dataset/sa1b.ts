/**
 * SA-1B style per-image JSON, the layout of Meta's SA-1B release: `{ image, annotations }` with
 * compressed RLE masks and the generator's score fields.
 */
import type { PolygonFn } from './coco.js';
import type { DatasetImage } from './records.js';

export function sa1bJson(image: DatasetImage, polygons?: PolygonFn): string {
  const doc = {
    image: { image_id: image.id, width: image.width, height: image.height, file_name: image.fileName },
    annotations: image.records.map((rec, k) => ({
      id: image.firstAnnotationId + k,
      segmentation: polygons ? polygons(rec, image) : rec.segmentation,
      bbox: rec.bbox,
      area: rec.area,
      predicted_iou: rec.predicted_iou,
      point_coords: rec.point_coords,
      stability_score: rec.stability_score,
      crop_box: rec.crop_box,
      ...(rec.category_id !== undefined ? { category_id: rec.category_id } : {}),
      ...(rec.score !== undefined ? { score: rec.score } : {}),
    })),
  };
  return `${JSON.stringify(doc)}\n`;
}
