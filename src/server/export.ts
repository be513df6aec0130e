/**
 * Exports of one image's annotations: COCO instances (RLE or polygons), YOLO segmentation labels,
 * PNG masks (one per object, or one label image) and the SA-1B per-image JSON. All masks come from
 * the stored RLE, at the original image size.
 */
import sharp from 'sharp';
import { Mask } from '../core/mask.js';
import { rleToMask } from '../core/rle.js';
import { maskToPolygons, signedArea, simplifyRing, type MaskPolygon } from '../core/polygons.js';
import { floatJson } from '../dataset/float-json.js';
import { toPixelCentres } from '../dataset/pixel-centres.js';
import type { AnnotationDoc, AnnotationObject, ExportFormat, ImageInfo } from './protocol.js';
import { zip } from './zip.js';

export interface ExportFile { fileName: string; contentType: string; body: Buffer | string }

/** A file-name-safe stem of the image name. */
export function fileStem(name: string): string {
  const stem = name.replace(/\.[A-Za-z0-9]{1,5}$/, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return stem.slice(0, 100) || 'image';
}

/** Category names in order of first use; unlabeled objects are "object". */
export function categories(objects: readonly AnnotationObject[]): string[] {
  const names: string[] = [];
  for (const o of objects) {
    const n = labelOf(o);
    if (!names.includes(n)) names.push(n);
  }
  return names;
}

const labelOf = (o: AnnotationObject): string => o.label.trim() || 'object';

/** pycocotools' bbox convention: [x, y, width, height] in pixel extents. */
function cocoBbox(o: AnnotationObject): [number, number, number, number] {
  const [x, y, w, h] = o.bbox;
  return [x, y, w + 1, h + 1];
}

/** YOLO outlines are simplified by this many pixels; COCO polygons are exact pixel contours. */
export const YOLO_TOLERANCE = 1;

/**
 * One flat COCO polygon for a part, holes included: each hole is joined to the ring by a bridge
 * walked both ways. pycocotools fills polygons even-odd, so the bridges cancel and the holes stay
 * empty, whereas separate hole rings would be merged (unioned) back in.
 */
export function keyholeRing(part: MaskPolygon): number[] {
  let ring = part.outer.slice();
  for (const hole of part.holes) {
    let bi = 0, bj = 0, best = Infinity;
    for (let i = 0; i < ring.length; i += 2) {
      for (let j = 0; j < hole.length; j += 2) {
        const d = (ring[i] - hole[j]) ** 2 + (ring[i + 1] - hole[j + 1]) ** 2;
        if (d < best) { best = d; bi = i; bj = j; }
      }
    }
    const around = [...hole.slice(bj), ...hole.slice(0, bj), hole[bj], hole[bj + 1]];
    ring = [...ring.slice(0, bi + 2), ...around, ring[bi], ring[bi + 1], ...ring.slice(bi + 2)];
  }
  return ring;
}

export function cocoInstances(doc: AnnotationDoc, image: ImageInfo, segmentation: 'rle' | 'polygons'): object {
  const cats = categories(doc.objects);
  return {
    info: { description: `samkit annotations of ${image.name}`, version: '1.0', year: new Date().getFullYear(), date_created: new Date().toISOString() },
    licenses: [],
    images: [{ id: 1, file_name: image.name, width: image.width, height: image.height }],
    categories: cats.map((name, i) => ({ id: i + 1, name, supercategory: '' })),
    annotations: doc.objects.map((o, i) => ({
      id: i + 1,
      image_id: 1,
      category_id: cats.indexOf(labelOf(o)) + 1,
      segmentation: segmentation === 'polygons'
        ? maskToPolygons(rleToMask(o.segmentation)).map(keyholeRing)
        : { size: o.segmentation.size, counts: o.segmentation.counts },
      area: o.area,
      bbox: cocoBbox(o),
      iscrowd: 0,
      ...(o.predictedIou !== null ? { score: o.predictedIou } : {}),
    })),
  };
}

/** Ultralytics YOLO segmentation: one line per object, class then the normalised outline. */
export function yoloLabels(doc: AnnotationDoc, image: ImageInfo): { labels: string; names: string[] } {
  const names = categories(doc.objects);
  const lines: string[] = [];
  for (const o of doc.objects) {
    // Traced exactly, then on pixel centres (the convention Ultralytics rasterises), then simplified.
    const parts = maskToPolygons(rleToMask(o.segmentation)).map((p) => ({ ...p, outer: simplifyRing(toPixelCentres(p.outer), YOLO_TOLERANCE) }));
    if (parts.length === 0) continue;
    // YOLO takes one outline per object, without holes: the largest part's outer ring.
    const ring = parts.map((p) => p.outer).reduce((a, b) => (Math.abs(signedArea(b)) > Math.abs(signedArea(a)) ? b : a));
    const coords: string[] = [];
    for (let k = 0; k < ring.length; k += 2) {
      coords.push((Math.min(Math.max(ring[k] / image.width, 0), 1)).toFixed(6), (Math.min(Math.max(ring[k + 1] / image.height, 0), 1)).toFixed(6));
    }
    lines.push(`${names.indexOf(labelOf(o))} ${coords.join(' ')}`);
  }
  return { labels: lines.length ? `${lines.join('\n')}\n` : '', names };
}

export function sa1b(doc: AnnotationDoc, image: ImageInfo): object {
  return {
    image: { image_id: 1, width: image.width, height: image.height, file_name: image.name },
    annotations: doc.objects.map((o, i) => ({
      id: i + 1,
      segmentation: { size: o.segmentation.size, counts: o.segmentation.counts },
      area: o.area,
      bbox: o.bbox,
      predicted_iou: o.predictedIou,
      point_coords: o.pointCoords.length ? o.pointCoords : [[o.bbox[0] + o.bbox[2] / 2, o.bbox[1] + o.bbox[3] / 2]],
      crop_box: o.cropBox,
      stability_score: o.stabilityScore,
      label: o.label,
    })),
  };
}

/** Single-channel PNG (8 or 16 bit), as label tools expect. */
function greyPng(data: Uint8Array | Uint16Array, width: number, height: number): Promise<Buffer> {
  return sharp(data, { raw: { width, height, channels: 1 } }).toColourspace(data instanceof Uint16Array ? 'grey16' : 'b-w').png({ compressionLevel: 6 }).toBuffer();
}

async function maskPng(mask: Mask): Promise<Buffer> {
  const grey = new Uint8Array(mask.data.length);
  const d = mask.data;
  for (let i = 0; i < d.length; i++) grey[i] = d[i] ? 255 : 0;
  return greyPng(grey, mask.width, mask.height);
}

/** One label image: pixel value k = object k (1-based, list order; later objects on top), 0 = none. */
export async function labelMapPng(doc: AnnotationDoc, image: ImageInfo): Promise<Buffer> {
  const n = image.width * image.height;
  const wide = doc.objects.length > 255;
  const map = wide ? new Uint16Array(n) : new Uint8Array(n);
  doc.objects.forEach((o, k) => {
    const d = rleToMask(o.segmentation).data;
    for (let i = 0; i < n; i++) if (d[i]) map[i] = k + 1;
  });
  return greyPng(map, image.width, image.height);
}

export async function buildExport(format: ExportFormat, doc: AnnotationDoc, image: ImageInfo): Promise<ExportFile> {
  const stem = fileStem(image.name);
  const json = (v: object): string => `${floatJson(v)}\n`;
  switch (format) {
    case 'coco-rle':
      return { fileName: `${stem}_coco.json`, contentType: 'application/json', body: json(cocoInstances(doc, image, 'rle')) };
    case 'coco-polygons':
      return { fileName: `${stem}_coco_polygons.json`, contentType: 'application/json', body: json(cocoInstances(doc, image, 'polygons')) };
    case 'sa1b':
      return { fileName: `${stem}.json`, contentType: 'application/json', body: json(sa1b(doc, image)) };
    case 'yolo': {
      const { labels, names } = yoloLabels(doc, image);
      const yaml = `# samkit export: YOLO segmentation labels for ${image.name}\nnames:\n${names.map((n, i) => `  ${i}: ${JSON.stringify(n)}`).join('\n')}\n`;
      return {
        fileName: `${stem}_yolo.zip`,
        contentType: 'application/zip',
        body: zip([{ name: `labels/${stem}.txt`, data: labels }, { name: 'data.yaml', data: yaml }, { name: 'classes.txt', data: names.map((n) => `${n}\n`).join('') }]),
      };
    }
    case 'png-masks': {
      const entries = [];
      const index = [];
      for (let k = 0; k < doc.objects.length; k++) {
        const o = doc.objects[k];
        const file = `masks/${stem}_${String(k + 1).padStart(3, '0')}_${fileStem(labelOf(o))}.png`;
        entries.push({ name: file, data: await maskPng(rleToMask(o.segmentation)) });
        index.push({ file, label: o.label, area: o.area, bbox: o.bbox, predicted_iou: o.predictedIou });
      }
      entries.push({ name: 'masks.json', data: json({ image: image.name, width: image.width, height: image.height, masks: index }) });
      return { fileName: `${stem}_masks.zip`, contentType: 'application/zip', body: zip(entries) };
    }
    case 'png-labelmap': {
      const png = await labelMapPng(doc, image);
      const legend = json({
        image: image.name, width: image.width, height: image.height, background: 0,
        objects: doc.objects.map((o, k) => ({ value: k + 1, label: o.label, area: o.area, bbox: o.bbox })),
      });
      return { fileName: `${stem}_labels.zip`, contentType: 'application/zip', body: zip([{ name: `${stem}_labels.png`, data: png }, { name: `${stem}_labels.json`, data: legend }]) };
    }
  }
}
