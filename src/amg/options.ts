/**
 * Options of the automatic mask generator, with the official `SamAutomaticMaskGenerator` defaults and
 * meanings, and their validation (done before any work, so a bad option never costs an encoder run).
 */
import { InvalidOptionError } from '../core/errors.js';
import { buildAllLayerPointGrids } from './grid.js';

export type AmgOutputMode = 'binary_mask' | 'uncompressed_rle' | 'coco_rle';
export const AMG_OUTPUT_MODES: readonly AmgOutputMode[] = ['binary_mask', 'uncompressed_rle', 'coco_rle'];

/** A normalised point grid: [x, y] pairs in [0, 1], relative to the crop they are used in. */
export type PointGrid = ReadonlyArray<readonly [number, number]>;

export interface AmgOptions {
  /** Points sampled along each side of the image (points^2 prompts). Exclusive with `pointGrids`. Default 32. */
  pointsPerSide?: number | null;
  /** Points decoded per batch; the unit of progress and of the memory held at once. Default 64. */
  pointsPerBatch?: number;
  /** Keep masks whose predicted IoU is above this, in [0, 1]. Default 0.88. */
  predIouThresh?: number;
  /** Keep masks whose stability score is at least this, in [0, 1]. Default 0.95. */
  stabilityScoreThresh?: number;
  /** Shift of the logit cutoff used for the stability score. Default 1.0. */
  stabilityScoreOffset?: number;
  /** Box IoU above which non-maximum suppression drops a duplicate within a crop, in [0, 1]. Default 0.7. */
  boxNmsThresh?: number;
  /** Crop layers run on top of the whole image; layer i has (2^i)^2 crops. Default 0. */
  cropNLayers?: number;
  /** Box IoU for removing duplicates between crops, in [0, 1]. Default 0.7. */
  cropNmsThresh?: number;
  /** Overlap of first-layer crops as a fraction of the image's short side, in [0, 1). Default 512/1500. */
  cropOverlapRatio?: number;
  /** Points per side in layer n are divided by this^n. Default 1. */
  cropNPointsDownscaleFactor?: number;
  /** Explicit normalised grids, one per crop layer (layer 0 = the whole image). Exclusive with `pointsPerSide`. */
  pointGrids?: readonly PointGrid[] | null;
  /** When > 0, fill holes and remove islands smaller than this many pixels, then re-run box NMS. Default 0. */
  minMaskRegionArea?: number;
  /** Form of `segmentation` in the records. Default 'binary_mask'. */
  outputMode?: AmgOutputMode;
}

export interface ResolvedAmgOptions {
  pointsPerSide: number | null;
  pointsPerBatch: number;
  predIouThresh: number;
  stabilityScoreThresh: number;
  stabilityScoreOffset: number;
  boxNmsThresh: number;
  cropNLayers: number;
  cropNmsThresh: number;
  cropOverlapRatio: number;
  cropNPointsDownscaleFactor: number;
  minMaskRegionArea: number;
  outputMode: AmgOutputMode;
  /** Flat [x0, y0, x1, y1, ...] normalised grid per crop layer (built from pointsPerSide or copied from pointGrids). */
  grids: Float64Array[];
}

export const AMG_DEFAULTS = {
  pointsPerSide: 32,
  pointsPerBatch: 64,
  predIouThresh: 0.88,
  stabilityScoreThresh: 0.95,
  stabilityScoreOffset: 1.0,
  boxNmsThresh: 0.7,
  cropNLayers: 0,
  cropNmsThresh: 0.7,
  cropOverlapRatio: 512 / 1500,
  cropNPointsDownscaleFactor: 1,
  minMaskRegionArea: 0,
  outputMode: 'binary_mask',
} as const;

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  try { return JSON.stringify(v)?.slice(0, 60) ?? typeof v; } catch { return typeof v; }
}

function integer(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new InvalidOptionError(`${name} must be an integer >= ${min}, got ${show(v)}`);
  return v;
}

function unitInterval(name: string, v: unknown, openTop = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (openTop ? v >= 1 : v > 1)) {
    throw new InvalidOptionError(`${name} must be a number in [0, 1${openTop ? ')' : ']'}, got ${show(v)}`);
  }
  return v;
}

function nonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InvalidOptionError(`${name} must be a finite number >= 0, got ${show(v)}`);
  return v;
}

function checkGrid(grid: unknown, layer: number): Float64Array {
  if (!Array.isArray(grid) || grid.length === 0) {
    throw new InvalidOptionError(`pointGrids[${layer}] must be a non-empty array of [x, y] pairs in [0, 1], got ${show(grid)}`);
  }
  const flat = new Float64Array(grid.length * 2);
  grid.forEach((p: unknown, i) => {
    const ok = Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1);
    if (!ok) throw new InvalidOptionError(`pointGrids[${layer}][${i}] must be an [x, y] pair with both in [0, 1], got ${show(p)}`);
    flat[2 * i] = (p as number[])[0];
    flat[2 * i + 1] = (p as number[])[1];
  });
  return flat;
}

/** Fill in defaults and check every option; throws InvalidOptionError naming the option, the value and the range. */
export function resolveAmgOptions(options: AmgOptions = {}): ResolvedAmgOptions {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError(`options must be an object, got ${show(options)}`);
  const known = new Set(['pointsPerSide', 'pointsPerBatch', 'predIouThresh', 'stabilityScoreThresh', 'stabilityScoreOffset', 'boxNmsThresh',
    'cropNLayers', 'cropNmsThresh', 'cropOverlapRatio', 'cropNPointsDownscaleFactor', 'pointGrids', 'minMaskRegionArea', 'outputMode']);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new InvalidOptionError(`unknown option ${show(key)}; expected one of ${[...known].join(', ')}`);
  }
  const hasGrids = options.pointGrids !== undefined && options.pointGrids !== null;
  const hasPps = options.pointsPerSide !== undefined && options.pointsPerSide !== null;
  if (hasGrids && hasPps) throw new InvalidOptionError('pointsPerSide and pointGrids are mutually exclusive: give exactly one of them');
  // As officially, pointsPerSide defaults to 32 unless a grid is given; an explicit null needs pointGrids.
  if (!hasGrids && options.pointsPerSide === null) throw new InvalidOptionError('pointsPerSide is null and no pointGrids are given: give exactly one of them');

  const cropNLayers = integer('cropNLayers', options.cropNLayers ?? AMG_DEFAULTS.cropNLayers, 0);
  const factor = integer('cropNPointsDownscaleFactor', options.cropNPointsDownscaleFactor ?? AMG_DEFAULTS.cropNPointsDownscaleFactor, 1);
  let pointsPerSide: number | null = null;
  let grids: Float64Array[];
  if (hasGrids) {
    const pg = options.pointGrids;
    if (!Array.isArray(pg)) throw new InvalidOptionError(`pointGrids must be an array of grids (one per crop layer), got ${show(pg)}`);
    if (pg.length < cropNLayers + 1) {
      throw new InvalidOptionError(`pointGrids has ${pg.length} grid(s) but cropNLayers = ${cropNLayers} needs ${cropNLayers + 1} (one per layer, layer 0 = whole image)`);
    }
    grids = pg.map((g, i) => checkGrid(g, i));
  } else {
    pointsPerSide = integer('pointsPerSide', options.pointsPerSide ?? AMG_DEFAULTS.pointsPerSide, 1);
    const last = Math.trunc(pointsPerSide / factor ** cropNLayers);
    if (last < 1) {
      throw new InvalidOptionError(`pointsPerSide ${pointsPerSide} / cropNPointsDownscaleFactor ${factor}^${cropNLayers} leaves no points in the last crop layer; need pointsPerSide >= ${factor ** cropNLayers}`);
    }
    grids = buildAllLayerPointGrids(pointsPerSide, cropNLayers, factor);
  }
  const outputMode = options.outputMode ?? AMG_DEFAULTS.outputMode;
  if (!AMG_OUTPUT_MODES.includes(outputMode)) {
    throw new InvalidOptionError(`outputMode must be one of ${AMG_OUTPUT_MODES.join(', ')}, got ${show(outputMode)}`);
  }
  return {
    pointsPerSide,
    pointsPerBatch: integer('pointsPerBatch', options.pointsPerBatch ?? AMG_DEFAULTS.pointsPerBatch, 1),
    predIouThresh: unitInterval('predIouThresh', options.predIouThresh ?? AMG_DEFAULTS.predIouThresh),
    stabilityScoreThresh: unitInterval('stabilityScoreThresh', options.stabilityScoreThresh ?? AMG_DEFAULTS.stabilityScoreThresh),
    stabilityScoreOffset: nonNegative('stabilityScoreOffset', options.stabilityScoreOffset ?? AMG_DEFAULTS.stabilityScoreOffset),
    boxNmsThresh: unitInterval('boxNmsThresh', options.boxNmsThresh ?? AMG_DEFAULTS.boxNmsThresh),
    cropNLayers,
    cropNmsThresh: unitInterval('cropNmsThresh', options.cropNmsThresh ?? AMG_DEFAULTS.cropNmsThresh),
    cropOverlapRatio: unitInterval('cropOverlapRatio', options.cropOverlapRatio ?? AMG_DEFAULTS.cropOverlapRatio, true),
    cropNPointsDownscaleFactor: factor,
    minMaskRegionArea: nonNegative('minMaskRegionArea', options.minMaskRegionArea ?? AMG_DEFAULTS.minMaskRegionArea),
    outputMode,
    grids,
  };
}
