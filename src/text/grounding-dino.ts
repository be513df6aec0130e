/**
 * Grounding DINO through transformers.js: the phrases go in as one caption ("dog. red car."), boxes
 * pass on box_threshold and a box's label is made of the caption tokens scoring over text_threshold
 * (Grounded-SAM's two thresholds; the pipeline applies one value to both). The decoded tokens are
 * mapped back to the phrase they came from.
 *
 * Known pitfall: the public onnx-community/grounding-dino-tiny-ONNX export is reported to score
 * multi-phrase captions wrongly, so for it (or with onePassPerPhrase) each phrase runs on its own.
 */
import type { RgbImage } from '../image/load-image.js';
import { clipBox, type DetectOptions, type Detection, type TextDetector } from './detector.js';
import type { HfDetectorParts } from './hf-load.js';
import { toRawImage, type Tensor } from './hf-tensors.js';

/** Exports known to need one pass per phrase. */
export const PER_PHRASE_EXPORTS = ['onnx-community/grounding-dino-tiny-onnx'];

export function needsOnePassPerPhrase(source: string): boolean {
  return PER_PHRASE_EXPORTS.includes(source.toLowerCase());
}

interface DinoProcessor {
  (image: unknown, text: string): Promise<Record<string, Tensor> & { input_ids: Tensor }>;
  post_process_grounded_object_detection(out: unknown, inputIds: Tensor, o: { box_threshold: number; text_threshold: number; target_sizes: Array<[number, number]> }): Array<{ boxes: number[][]; scores: number[]; labels: string[] }>;
}

/** The phrase a decoded label belongs to: the same words, else the phrase holding all its words, else the one sharing most. */
export function phraseOf(decoded: string, phrases: readonly string[]): string | null {
  const words = decoded.toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, ' ').split(/\s+/).filter(Boolean);
  if (words.length === 0) return null;
  const joined = words.join(' ');
  const exact = phrases.find((p) => p === joined);
  if (exact) return exact;
  let best: string | null = null;
  let bestShared = 0;
  for (const p of phrases) {
    const pw = new Set(p.split(' '));
    const shared = words.filter((w) => pw.has(w)).length;
    if (shared > bestShared) { best = p; bestShared = shared; }
  }
  return best;
}

export class GroundingDinoDetector implements TextDetector {
  readonly family = 'grounding-dino' as const;
  constructor(readonly source: string, private readonly parts: HfDetectorParts, readonly onePassPerPhrase = needsOnePassPerPhrase(source)) {}

  async detect(image: RgbImage, phrases: readonly string[], options: DetectOptions): Promise<Detection[]> {
    const groups = this.onePassPerPhrase ? phrases.map((p) => [p]) : [phrases];
    const out: Detection[] = [];
    for (const group of groups) out.push(...await this.pass(image, group, options));
    return out;
  }

  private async pass(image: RgbImage, phrases: readonly string[], options: DetectOptions): Promise<Detection[]> {
    const processor = this.parts.processor as unknown as DinoProcessor;
    const caption = `${phrases.join('. ')}.`;
    const inputs = await processor(toRawImage(this.parts.transformers, image), caption);
    const raw = await (this.parts.model as unknown as (i: Record<string, Tensor>) => Promise<unknown>)(inputs);
    const { width, height } = image;
    const [res] = processor.post_process_grounded_object_detection(raw, inputs.input_ids, {
      box_threshold: options.boxThreshold, text_threshold: options.textThreshold, target_sizes: [[height, width]],
    });
    const found: Detection[] = [];
    res.boxes.forEach((b, i) => {
      const label = phrases.length === 1 ? phrases[0] : phraseOf(res.labels[i], phrases);
      if (label) found.push({ label, score: res.scores[i], box: clipBox(b, width, height) });
    });
    return found;
  }
}
