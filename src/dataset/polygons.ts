/** Mask polygons for the dataset formats, from the records' RLE (see ring-bridge.ts for holes). */
import { maskToPolygons, simplifyRing, type MaskPolygon } from '../core/polygons.js';
import { rleToMask } from '../core/rle.js';
import type { DatasetImage, MaskRecord } from './records.js';
import { toPixelCentres } from './pixel-centres.js';
import { bridgeHoles, joinRings } from './ring-bridge.js';

/** COCO polygons of a record: one ring per part (raster order of the parts), holes bridged in. */
export function cocoPolygons(rec: MaskRecord, tolerance = 0): number[][] {
  return maskToPolygons(rleToMask(rec.segmentation), { tolerance }).map(bridgeHoles);
}

/**
 * One ring for the whole mask (YOLO has one polygon per object), on pixel centres (the convention
 * Ultralytics rasterises, see pixel-centres.ts): parts and holes bridged.
 */
export function singleRing(rec: MaskRecord, tolerance = 0): number[] {
  // Traced exactly (axis-aligned edges), moved onto pixel centres, then simplified.
  const centred = (r: number[]): number[] => simplifyRing(toPixelCentres(r), tolerance);
  const parts = maskToPolygons(rleToMask(rec.segmentation)).map((p): MaskPolygon => ({ outer: centred(p.outer), holes: p.holes.map(centred) }));
  return joinRings(parts.map(bridgeHoles));
}

export interface PolygonFns {
  polygons: (rec: MaskRecord, image: DatasetImage) => number[][];
  yoloPolygon: (image: DatasetImage, index: number) => number[];
}

export function polygonFns(tolerance: number): PolygonFns {
  return {
    polygons: (rec) => cocoPolygons(rec, tolerance),
    yoloPolygon: (image, index) => singleRing(image.records[index], tolerance),
  };
}
