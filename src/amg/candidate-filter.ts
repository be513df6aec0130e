/**
 * The generator's per-batch work on decoded masks, for one crop: multimask candidates -> predicted-IoU
 * filter -> stability score on the full-resolution logits -> threshold at 0 -> box -> drop masks on
 * inner crop edges -> RLE in the image frame. Pure (typed arrays in, typed arrays out), so it runs
 * where the masks are decoded: the calling thread, or a decoder lane (lane-filter.ts).
 */
import { InvalidArgumentError } from '../core/errors.js';
import type { Size } from '../core/transforms.js';
import { lowResFootprint, planUpsample } from '../core/upsample.js';
import type { CropBox } from './grid.js';
import { isBoxNearCropEdge } from './nms.js';
import { alignedStride, CropRleEncoder } from './rle-build.js';
import { ThresholdCounter } from './thresholds.js';

/** The official `mask_threshold`. */
const MASK_THRESHOLD = 0;

/** Everything the filter needs about a crop and the options (plain data: it is posted to workers). */
export interface CandidateFilterConfig {
  /** Low-res mask side (256) and model input side (1024). */
  low: number;
  inputSize: number;
  /** The crop resized for the model, and the crop itself (image frame). */
  resized: Size;
  crop: CropBox;
  image: Size;
  predIouThresh: number;
  stabilityScoreThresh: number;
  stabilityScoreOffset: number;
}

/** What a decoded batch looks like to the filter (a SamModel DecoderOutput fits). */
export interface DecodedBatch {
  iou: Float32Array;
  batch: number;
  tokens: number;
  lowSize: number;
  masks: Float32Array;
  plane?(b: number, t: number, dest: Float32Array): void;
  /** Only the multimask candidates (no single-mask token 0). */
  multimaskOnly?: boolean;
}

/** A mask that passed, in the image frame. */
export interface Candidate {
  /** Prompt index within its batch. */
  prompt: number;
  counts: Uint32Array;
  /** XYXY, inclusive last column/row, image frame. */
  box: [number, number, number, number];
  iou: number;
  stability: number;
}

/** Candidates of one batch, with how many were looked at and passed each filter. */
export interface FilteredBatch {
  candidates: Candidate[];
  counts: { candidates: number; passedIou: number; passedStability: number; passedEdge: number };
}

/** The part of the low-res masks the crop's upsampling reads (what the decoder needs to compute). */
export function candidateRegion(cfg: CandidateFilterConfig): { height: number; width: number } {
  return lowResFootprint({ width: cfg.low, height: cfg.low }, cfg.inputSize, cfg.resized);
}

export class CandidateFilter {
  private readonly counter: ThresholdCounter;
  private readonly stride: number;
  private readonly maskBuf: Uint8Array;
  private readonly logits: Float32Array;
  private readonly box = new Int32Array(4);
  private readonly encoder = new CropRleEncoder();
  private readonly hi: number;
  private readonly lo: number;
  private readonly iouThresh: number;
  private readonly stabThresh: number;

  constructor(private readonly cfg: CandidateFilterConfig) {
    const [x0, y0, x1, y1] = cfg.crop;
    const cropSize = { width: x1 - x0, height: y1 - y0 };
    this.counter = new ThresholdCounter(planUpsample({ width: cfg.low, height: cfg.low }, cfg.inputSize, cfg.resized, cropSize));
    // Rows padded to whole words for the RLE encoder's word-wise row comparison.
    this.stride = alignedStride(cropSize.width);
    this.maskBuf = new Uint8Array(this.stride * cropSize.height);
    this.logits = new Float32Array(cfg.low * cfg.low);
    this.hi = Math.fround(MASK_THRESHOLD + cfg.stabilityScoreOffset);
    this.lo = Math.fround(MASK_THRESHOLD - cfg.stabilityScoreOffset);
    this.iouThresh = Math.fround(cfg.predIouThresh);
    this.stabThresh = Math.fround(cfg.stabilityScoreThresh);
  }

  filter(out: DecodedBatch): FilteredBatch {
    const { cfg, counter, maskBuf, stride, box, logits } = this;
    if (out.lowSize !== cfg.low) throw new InvalidArgumentError(`decoder returned ${out.lowSize}x${out.lowSize} masks, expected ${cfg.low}x${cfg.low}`);
    const [x0, y0] = cfg.crop;
    const { width: W, height: H } = cfg.image;
    const imageBox = [0, 0, W, H];
    const counts = { candidates: 0, passedIou: 0, passedStability: 0, passedEdge: 0 };
    const candidates: Candidate[] = [];
    const plane = cfg.low * cfg.low;
    const first = out.tokens > 1 && !out.multimaskOnly ? 1 : 0;
    for (let b = 0; b < out.batch; b++) {
      for (let tk = first; tk < out.tokens; tk++) {
        counts.candidates++;
        const iou = out.iou[b * out.tokens + tk];
        if (cfg.predIouThresh > 0 && !(iou > this.iouThresh)) continue;
        counts.passedIou++;
        // Masks at +offset are inside masks at -offset, so the stability score is a ratio of counts.
        if (out.plane) {
          out.plane(b, tk, logits);
          counter.setLogits(logits, 0, this.lo, MASK_THRESHOLD, this.hi);
        } else {
          counter.setLogits(out.masks, (b * out.tokens + tk) * plane, this.lo, MASK_THRESHOLD, this.hi);
        }
        // The count also writes the interpolated pixels of the mask, so a passing mask costs little more;
        // a candidate whose stability cannot reach the threshold is dropped before interpolating.
        const above = cfg.stabilityScoreThresh > 0 ? counter.countUnlessUnstable(this.stabThresh, maskBuf, stride) : counter.count(maskBuf, stride);
        if (!above) continue;
        const [union, , inter] = above;
        const stability = Math.fround(inter / union);
        if (cfg.stabilityScoreThresh > 0 && !(stability >= this.stabThresh)) continue;
        counts.passedStability++;
        const area = counter.completeMask(maskBuf, stride, box, 'box');
        const imgBox: [number, number, number, number] = [box[0] + x0, box[1] + y0, box[2] + x0, box[3] + y0];
        if (isBoxNearCropEdge(imgBox, cfg.crop, imageBox)) continue;
        counts.passedEdge++;
        candidates.push({
          prompt: b, box: imgBox, iou, stability,
          counts: this.encoder.encode(maskBuf, stride, box, area === 0, x0, y0, W, H, counter.rowChanges()),
        });
      }
    }
    return { candidates, counts };
  }
}
