/**
 * SamAutomaticMaskGenerator: "segment everything". Prompts SAM with a grid of points over the image
 * (and optionally over overlapping crops), keeps the good masks and removes duplicates, with the
 * semantics, order of operations and defaults of the official `segment_anything` generator.
 *
 * Per decoded batch, as officially: multimask candidates -> predicted-IoU filter -> stability score on
 * the full-resolution logits -> threshold at 0 -> box -> drop masks on inner crop edges -> RLE. Then
 * box NMS per crop, NMS across crops (smaller crops preferred) and optional small-region cleanup.
 *
 * Speed without changing results: the IoU filter runs before any upsampling; stability counts and
 * the mask come from `upsampleThreshold` (exact, no full-resolution float logits); only masks that
 * pass are materialised, into one reused buffer, and turned into RLE at once. Memory held across the
 * run is the RLE of the candidates, never full-resolution masks.
 */
import { InvalidArgumentError, InvalidOptionError } from '../core/errors.js';
import { Mask } from '../core/mask.js';
import type { EncodedPrompts } from '../core/prompt.js';
import { compressRle, rleCountsArea, rleCountsBox, rleToMask, type CompressedRle, type UncompressedRle } from '../core/rle.js';
import { applyCoords, preprocessImage } from '../core/transforms.js';
import { loadImage, type ImageInput, type RgbImage } from '../image/load-image.js';
import type { SamModel } from '../model/sam-model.js';
import { generateCropBoxes, type CropBox } from './grid.js';
import { boxNms } from './nms.js';
import { resolveAmgOptions, type AmgOptions, type AmgOutputMode, type ResolvedAmgOptions } from './options.js';
import { cleanMaskRle } from './regions.js';
import { CandidateFilter, candidateRegion, type CandidateFilterConfig, type FilteredBatch } from './candidate-filter.js';

/** What the generator needs from a model (a SamModel, or a stand-in in tests). */
export type AmgModel = Pick<SamModel, 'preprocess' | 'maskInputSize' | 'encode' | 'decode'> & Partial<Pick<SamModel, 'decodeBatches' | 'startDecoderLanes'>>;

export type AmgSegmentation<M extends AmgOutputMode> =
  M extends 'binary_mask' ? Mask : M extends 'uncompressed_rle' ? UncompressedRle : M extends 'coco_rle' ? CompressedRle : never;

/** One mask, with exactly the fields of the official generator's records. */
export interface AmgRecord<S = Mask | UncompressedRle | CompressedRle> {
  segmentation: S;
  /** Pixels set. */
  area: number;
  /** [x, y, w, h] with w = last column - first column (official batched_mask_to_box convention). */
  bbox: [number, number, number, number];
  predicted_iou: number;
  /** The grid point that produced the mask, in image pixels. */
  point_coords: [[number, number]];
  stability_score: number;
  /** [x, y, w, h] of the crop the mask came from ([0, 0, W, H] for the whole image). */
  crop_box: [number, number, number, number];
}

export interface AmgProgress {
  cropsDone: number;
  cropsTotal: number;
  batchesDone: number;
  batchesTotal: number;
}

export interface AmgGenerateOptions {
  onProgress?: (p: AmgProgress) => void;
  signal?: AbortSignal;
}

/** Counters and timings of the last generate() call, for benchmarks and diagnostics. */
export interface AmgStats {
  width: number;
  height: number;
  crops: number;
  points: number;
  /** Multimask candidates decoded (3 per point). */
  candidates: number;
  passedIou: number;
  passedStability: number;
  /** Left after dropping masks on inner crop edges. */
  passedEdge: number;
  records: number;
  /**
   * Wall time per step on the calling thread. `decode` is the time spent waiting for decoded and
   * filtered batches (decoder lanes do both; without lanes, this thread), `filter` collecting the
   * masks that passed.
   */
  ms: { load: number; encode: number; decode: number; filter: number; nms: number; smallRegions: number; output: number; total: number };
}

/** Prompts per decoder call (the model runs them a few at a time; see SamModel.decodeSplit). */
const DECODE_CHUNK = 8;
/** The filtering stage decoder lanes run on the batches they decode (lane-filter.ts). */
const LANE_FILTER_MODULE = new URL('./lane-filter.js', import.meta.url).href;

/** A mask kept so far, in the image frame. */
interface Kept {
  counts: Uint32Array;
  /** XYXY, inclusive last column/row. */
  box: [number, number, number, number];
  iou: number;
  stability: number;
  px: number;
  py: number;
  crop: number;
}

const now = () => performance.now();

export class SamAutomaticMaskGenerator<M extends AmgOutputMode = 'binary_mask'> {
  readonly model: AmgModel;
  readonly options: Readonly<ResolvedAmgOptions>;
  /** Figures of the last completed generate() call. */
  lastStats: AmgStats | null = null;

  constructor(model: AmgModel, options: AmgOptions & { outputMode?: M } = {}) {
    if (!model || typeof model.decode !== 'function' || typeof model.encode !== 'function') {
      throw new InvalidArgumentError('SamAutomaticMaskGenerator needs a SamModel (await SamModel.load())');
    }
    this.options = resolveAmgOptions(options);
    this.model = model;
  }

  /** Generate masks for the whole image. Resolves to [] when no mask passes the filters. */
  async generate(image: ImageInput, opts: AmgGenerateOptions = {}): Promise<AmgRecord<AmgSegmentation<M>>[]> {
    const { signal, onProgress } = opts;
    signal?.throwIfAborted();
    const o = this.options;
    const t0 = now();
    // Decoder lane workers load their sessions while the image is read and encoded.
    this.model.startDecoderLanes?.();
    const rgb = await loadImage(image);
    const W = rgb.width, H = rgb.height;
    const stats: AmgStats = {
      width: W, height: H, crops: 0, points: 0, candidates: 0, passedIou: 0, passedStability: 0, passedEdge: 0, records: 0,
      ms: { load: now() - t0, encode: 0, decode: 0, filter: 0, nms: 0, smallRegions: 0, output: 0, total: 0 },
    };
    const { boxes: crops, layers } = generateCropBoxes(W, H, o.cropNLayers, o.cropOverlapRatio);
    stats.crops = crops.length;
    const empty = crops.findIndex(([x0, y0, x1, y1]) => x1 <= x0 || y1 <= y0);
    if (empty >= 0) {
      throw new InvalidOptionError(`cropNLayers ${o.cropNLayers} is too deep for a ${W}x${H} image: crop ${empty} (layer ${layers[empty]}) is empty`);
    }
    const progress: AmgProgress = { cropsDone: 0, cropsTotal: crops.length, batchesDone: 0, batchesTotal: 0 };
    for (const layer of layers) progress.batchesTotal += Math.ceil(o.grids[layer].length / 2 / o.pointsPerBatch);
    onProgress?.({ ...progress });

    let kept: Kept[] = [];
    for (let c = 0; c < crops.length; c++) {
      const fromCrop = await this.processCrop(rgb, crops[c], c, layers[c], stats, progress, opts);
      for (const k of fromCrop) kept.push(k);
      progress.cropsDone++;
      onProgress?.({ ...progress });
    }

    if (crops.length > 1) {
      const t = now();
      // Prefer masks from smaller crops: score = 1 / crop area (float32, as torch computes it).
      const scores = kept.map((k) => { const b = crops[k.crop]; return Math.fround(1 / ((b[2] - b[0]) * (b[3] - b[1]))); });
      const keep = boxNms(flatBoxes(kept), scores, o.cropNmsThresh);
      kept = Array.from(keep, (i) => kept[i]);
      stats.ms.nms += now() - t;
    }

    if (o.minMaskRegionArea > 0 && kept.length > 0) {
      const t = now();
      kept = postprocessSmallRegions(kept, H, W, o.minMaskRegionArea, Math.max(o.boxNmsThresh, o.cropNmsThresh));
      stats.ms.smallRegions = now() - t;
    }

    signal?.throwIfAborted();
    const t = now();
    const records = kept.map((k) => this.toRecord(k, crops[k.crop], H, W));
    stats.ms.output = now() - t;
    stats.records = records.length;
    stats.ms.total = now() - t0;
    this.lastStats = stats;
    return records;
  }

  private async processCrop(
    rgb: RgbImage, crop: CropBox, cropIndex: number, layer: number, stats: AmgStats, progress: AmgProgress, opts: AmgGenerateOptions,
  ): Promise<Kept[]> {
    const o = this.options;
    const model = this.model;
    const [x0, y0, x1, y1] = crop;
    const cw = x1 - x0, ch = y1 - y0;
    const W = rgb.width, H = rgb.height;
    const cropSize = { width: cw, height: ch };

    let t = now();
    const pixels = cw === W && ch === H ? rgb.data : cropPixels(rgb, crop);
    const { tensor, resized } = preprocessImage(pixels, cropSize, model.preprocess);
    const embedding = await model.encode(tensor, resized);
    stats.ms.encode += now() - t;

    const filterConfig: CandidateFilterConfig = {
      low: model.maskInputSize, inputSize: model.preprocess.inputSize, resized, crop, image: { width: W, height: H },
      predIouThresh: o.predIouThresh, stabilityScoreThresh: o.stabilityScoreThresh, stabilityScoreOffset: o.stabilityScoreOffset,
    };
    // The masks' padding below or right of the resized crop is never looked at: not decoded either.
    const lowResRegion = candidateRegion(filterConfig);

    const grid = o.grids[layer];
    const nPoints = grid.length / 2;
    stats.points += nPoints;
    // Candidates of this crop, in crop pixels until the crop's NMS.
    const boxes: number[] = [];
    const ious: number[] = [];
    const found: Kept[] = [];

    const noMaskInput = new Float32Array(0);
    // Chunks of prompts, in grid order; the last chunk of each batch of pointsPerBatch reports progress.
    const chunks: Array<{ raw: Float64Array; prompts: EncodedPrompts; endsBatch: boolean }> = [];
    for (let b0 = 0; b0 < nPoints; b0 += o.pointsPerBatch) {
      const bEnd = Math.min(b0 + o.pointsPerBatch, nPoints);
      for (let c0 = b0; c0 < bEnd; c0 += DECODE_CHUNK) {
        const n = Math.min(DECODE_CHUNK, bEnd - c0);
        // Point in crop pixels (float64, as grid * crop size officially), then the (0, 0) padding point.
        const raw = new Float64Array(n * 4);
        const labels = new Float32Array(n * 2);
        for (let i = 0; i < n; i++) {
          raw[4 * i] = grid[2 * (c0 + i)] * cw;
          raw[4 * i + 1] = grid[2 * (c0 + i) + 1] * ch;
          labels[2 * i] = 1;
          labels[2 * i + 1] = -1;
        }
        const prompts: EncodedPrompts = {
          batch: n, numPoints: 2, pointCoords: applyCoords(raw, cropSize, model.preprocess), pointLabels: labels,
          maskInput: noMaskInput, hasMaskInput: false, lowResRegion,
        };
        chunks.push({ raw, prompts, endsBatch: c0 + n === bEnd });
      }
    }
    // A model with decodeBatches decodes and filters each chunk where it was decoded (decoder lanes
    // on other threads); otherwise decoding and filtering take turns on this thread.
    const filtered: AsyncIterable<FilteredBatch> = model.decodeBatches
      ? model.decodeBatches<FilteredBatch>(embedding, chunks.map((c) => c.prompts), { module: LANE_FILTER_MODULE, config: filterConfig })
      : (async function* () {
        const filter = new CandidateFilter(filterConfig);
        for (const c of chunks) yield filter.filter(await model.decode(embedding, c.prompts));
      })();
    let k = 0;
    t = now();
    for await (const { candidates, counts } of filtered) {
      stats.ms.decode += now() - t;
      opts.signal?.throwIfAborted();
      t = now();
      const { raw, endsBatch } = chunks[k++];
      stats.candidates += counts.candidates;
      stats.passedIou += counts.passedIou;
      stats.passedStability += counts.passedStability;
      stats.passedEdge += counts.passedEdge;
      for (const c of candidates) {
        // NMS within the crop on crop-frame boxes, as officially (before uncropping).
        boxes.push(c.box[0] - x0, c.box[1] - y0, c.box[2] - x0, c.box[3] - y0);
        ious.push(c.iou);
        found.push({ counts: c.counts, box: c.box, iou: c.iou, stability: c.stability, px: raw[4 * c.prompt] + x0, py: raw[4 * c.prompt + 1] + y0, crop: cropIndex });
      }
      stats.ms.filter += now() - t;
      if (endsBatch) {
        progress.batchesDone++;
        opts.onProgress?.({ ...progress });
      }
      t = now();
    }
    t = now();
    const keep = boxNms(boxes, ious, o.boxNmsThresh);
    stats.ms.nms += now() - t;
    return Array.from(keep, (i) => found[i]);
  }

  private toRecord(k: Kept, crop: CropBox, H: number, W: number): AmgRecord<AmgSegmentation<M>> {
    const counts = Array.from(k.counts);
    const rle: UncompressedRle = { size: [H, W], counts };
    const mode = this.options.outputMode;
    const segmentation = mode === 'binary_mask' ? rleToMask(rle) : mode === 'coco_rle' ? compressRle(rle) : rle;
    return {
      segmentation: segmentation as AmgSegmentation<M>,
      area: rleCountsArea(k.counts),
      bbox: [k.box[0], k.box[1], k.box[2] - k.box[0], k.box[3] - k.box[1]],
      predicted_iou: k.iou,
      point_coords: [[k.px, k.py]],
      stability_score: k.stability,
      crop_box: [crop[0], crop[1], crop[2] - crop[0], crop[3] - crop[1]],
    };
  }
}

function flatBoxes(kept: readonly Kept[]): Float64Array {
  const out = new Float64Array(kept.length * 4);
  kept.forEach((k, i) => out.set(k.box, 4 * i));
  return out;
}

/** Copy the crop's pixels out of an interleaved RGB image. */
function cropPixels(rgb: RgbImage, [x0, y0, x1, y1]: CropBox): Uint8Array {
  const cw = x1 - x0;
  const out = new Uint8Array(cw * (y1 - y0) * 3);
  for (let y = y0; y < y1; y++) out.set(rgb.data.subarray((y * rgb.width + x0) * 3, (y * rgb.width + x1) * 3), (y - y0) * cw * 3);
  return out;
}

/**
 * The official `postprocess_small_regions`: fill small holes, remove small islands, then NMS where
 * untouched masks (score 1) win over edited ones (score 0). Kept edited masks get their new RLE and
 * box; scores stay those of the unedited mask.
 */
export function postprocessSmallRegions<T extends { counts: Uint32Array; box: [number, number, number, number] }>(
  kept: T[], h: number, w: number, minArea: number, nmsThresh: number,
): T[] {
  const edited = kept.map((k) => cleanMaskRle(k.counts, h, w, minArea));
  const boxes = new Float64Array(kept.length * 4);
  edited.forEach((e, i) => boxes.set(e.changed ? rleCountsBox(e.counts, h) : kept[i].box, 4 * i));
  const scores = edited.map((e) => (e.changed ? 0 : 1));
  const keep = boxNms(boxes, scores, nmsThresh);
  return Array.from(keep, (i) => {
    if (!edited[i].changed) return kept[i];
    return { ...kept[i], counts: edited[i].counts, box: Array.from(boxes.subarray(4 * i, 4 * i + 4)) as [number, number, number, number] };
  });
}
