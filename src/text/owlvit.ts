/**
 * OWL-ViT and OWLv2 through transformers.js: its tokenizer (one query per phrase), image processor and
 * post_process_object_detection, with the box threshold only (these models have no text threshold).
 */
import type { RgbImage } from '../image/load-image.js';
import { clipBox, type DetectOptions, type Detection, type TextDetector } from './detector.js';
import type { HfDetectorParts } from './hf-load.js';
import { toRawImage, type Tensor } from './hf-tensors.js';

interface OwlProcessor {
  tokenizer: (texts: string[], o: { padding: boolean; truncation: boolean }) => Record<string, Tensor>;
  image_processor: ((image: unknown) => Promise<{ pixel_values: Tensor }>) & {
    post_process_object_detection(out: unknown, threshold: number, sizes: Array<[number, number]>, zeroShot: boolean): Array<{ boxes: number[][]; classes: number[]; scores: number[] }>;
  };
}

export class OwlDetector implements TextDetector {
  constructor(readonly source: string, private readonly parts: HfDetectorParts) {}

  get family(): 'owlvit' | 'owlv2' { return this.parts.family as 'owlvit' | 'owlv2'; }

  async detect(image: RgbImage, phrases: readonly string[], options: DetectOptions): Promise<Detection[]> {
    const processor = this.parts.processor as unknown as OwlProcessor;
    const text = processor.tokenizer([...phrases], { padding: true, truncation: true });
    const { pixel_values } = await processor.image_processor(toRawImage(this.parts.transformers, image));
    const out = await (this.parts.model as unknown as (i: Record<string, Tensor>) => Promise<unknown>)({ ...text, pixel_values });
    const { width, height } = image;
    // OWLv2 pads the image to a square at the bottom/right, so its boxes are fractions of the longer side.
    const side = Math.max(width, height);
    const target: [number, number] = this.family === 'owlv2' ? [side, side] : [height, width];
    const [res] = processor.image_processor.post_process_object_detection(out, options.boxThreshold, [target], true);
    return res.boxes.map((b, i) => ({ label: phrases[res.classes[i]], score: res.scores[i], box: clipBox(b, width, height) }));
  }
}
