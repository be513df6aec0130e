/**
 * Text prompts, as Grounded-SAM does them: an open-vocabulary detector turns phrases into boxes,
 * boxes under the thresholds are dropped, NMS runs per label, and SAM turns every kept box into a
 * mask in one batched call (single-mask output).
 */
import { InvalidOptionError } from '../core/errors.js';
import type { Mask } from '../core/mask.js';
import { loadImage, type ImageInput, type RgbImage } from '../image/load-image.js';
import { SamModel, type ModelSource } from '../model/sam-model.js';
import { SamPredictor } from '../predictor.js';
import type { Detection, TextDetector, XyxyBox } from './detector.js';
import { loadDetector, type LoadDetectorOptions } from './load-detector.js';
import { nmsPerLabel } from './nms.js';
import { parsePhrases } from './phrases.js';

export interface FindOptions {
  /** Minimum box score (default 0.3). */
  boxThreshold?: number;
  /** Grounding DINO: minimum token score for a label (default 0.25). */
  textThreshold?: number;
  /** Per-label box NMS IoU (default 0.5). */
  nmsThreshold?: number;
  /** Keep at most this many objects, best first (default all). */
  maxObjects?: number;
}

export interface FoundObject {
  label: string;
  score: number;
  box: XyxyBox;
  mask: Mask;
  predictedIou: number;
}

export interface FindTimings { detectMs: number; samMs: number }

export const FIND_DEFAULTS = { boxThreshold: 0.3, textThreshold: 0.25, nmsThreshold: 0.5 } as const;

function unit(name: string, v: number | undefined, def: number): number {
  const x = v ?? def;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1) throw new InvalidOptionError(`${name} must be in [0, 1], got ${String(v)}`);
  return x;
}

export function resolveFindOptions(o: FindOptions = {}): Required<Omit<FindOptions, 'maxObjects'>> & { maxObjects: number } {
  const maxObjects = o.maxObjects ?? Infinity;
  if (!(maxObjects === Infinity || (Number.isInteger(maxObjects) && maxObjects >= 1))) throw new InvalidOptionError(`maxObjects must be a whole number >= 1, got ${String(o.maxObjects)}`);
  return {
    boxThreshold: unit('boxThreshold', o.boxThreshold, FIND_DEFAULTS.boxThreshold),
    textThreshold: unit('textThreshold', o.textThreshold, FIND_DEFAULTS.textThreshold),
    nmsThreshold: unit('nmsThreshold', o.nmsThreshold, FIND_DEFAULTS.nmsThreshold),
    maxObjects,
  };
}

export class TextPrompter {
  /** Time spent in the last find() call. */
  lastTimings: FindTimings = { detectMs: 0, samMs: 0 };
  private constructor(readonly predictor: SamPredictor, readonly detector: TextDetector) {}

  /** A SAM model (loaded, or its source) and a detector (loaded, or a folder / hub id). */
  static async load(model: SamModel | SamPredictor | ModelSource, options: { detector: TextDetector | string } & LoadDetectorOptions): Promise<TextPrompter> {
    const detectorP = typeof options.detector === 'string' ? loadDetector(options.detector, options) : Promise.resolve(options.detector);
    const predictorP = model instanceof SamPredictor ? Promise.resolve(model)
      : model instanceof SamModel ? Promise.resolve(new SamPredictor(model)) : SamPredictor.create(model);
    const [predictor, detector] = await Promise.all([predictorP, detectorP]);
    return new TextPrompter(predictor, detector);
  }

  /** The objects the phrases name, best first. */
  async find(image: ImageInput | RgbImage, text: string | readonly string[], options: FindOptions = {}): Promise<FoundObject[]> {
    const phrases = typeof text === 'string' ? parsePhrases(text) : parsePhrases(text.join('.'));
    const opts = resolveFindOptions(options);
    const rgb = await loadImage(image);
    const t0 = performance.now();
    const boxes = await this.detect(rgb, phrases, opts);
    const t1 = performance.now();
    let objects: FoundObject[] = [];
    if (boxes.length > 0) {
      await this.predictor.setImage(rgb);
      const results = await this.predictor.predictBatch(boxes.map((d) => ({ box: d.box })), { multimaskOutput: false });
      objects = boxes.map((d, i) => ({ label: d.label, score: d.score, box: d.box, mask: results[i].masks[0], predictedIou: results[i].scores[0] }));
    }
    this.lastTimings = { detectMs: t1 - t0, samMs: performance.now() - t1 };
    return objects;
  }

  /** The detector's boxes after thresholds, per-label NMS and maxObjects (no SAM). */
  async detect(rgb: RgbImage, phrases: readonly string[], opts: ReturnType<typeof resolveFindOptions>): Promise<Detection[]> {
    const raw = await this.detector.detect(rgb, phrases, { boxThreshold: opts.boxThreshold, textThreshold: opts.textThreshold });
    // Degenerate boxes (clipped to nothing) would give SAM no prompt.
    const valid = raw.filter((d) => d.score >= opts.boxThreshold && d.box[2] > d.box[0] && d.box[3] > d.box[1]);
    return nmsPerLabel(valid, opts.nmsThreshold).slice(0, opts.maxObjects);
  }
}
