/** Post-processing of automatic mask generator output. */
export { sortRecords, filterRecords, recordMask, type RecordLike, type RecordSortKey, type RecordFilter, type Region } from './records.js';
export { maskToPng, labelImagePng } from './png.js';
export { maskToPolygons, polygonsToMask, polygonArea, type MaskPolygon, type PolygonOptions } from '../core/polygons.js';
export { labelMap, labelsToRgb, labelColor, maskToGray, type MaskLike, type LabelMapOptions } from '../render/label-image.js';
