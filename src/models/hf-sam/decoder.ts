/**
 * Running a transformers.js SAM prompt_encoder_mask_decoder: samkit's encoded prompts (official
 * layout: model-input pixels, a padding point labelled -1 when there is no box, box corners labelled
 * 2 and 3) become input_points [1, P, N, 2] and input_labels int64 [1, P, N], one point batch entry
 * per prompt. The graph appends its own padding point (HF's SamPromptEncoder does without boxes),
 * so samkit's is dropped; a box goes to input_boxes [1, P, 4] where the graph has that input.
 * Outputs are the three multimask candidates (no single-mask token, no mask input).
 */
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { InvalidPromptError, ModelError } from '../../core/errors.js';
import type { EncodedPrompts } from '../../core/prompt.js';
import type { DecoderOutput } from '../../model/sam-model.js';
import { createSession } from '../../model/session-cache.js';
import type { DecoderContext, DecoderSupports, FamilyDecoder, TensorLike } from '../family.js';
import { hasInput } from '../family.js';
import { sessionIO } from '../graph-io.js';

/** Points and labels of a batch in the transformers.js layout, without samkit's padding point. */
export interface HfPrompts {
  points: Float32Array;
  labels: BigInt64Array;
  /** [P, 4] when the prompts have boxes. */
  boxes: Float32Array | null;
  batch: number;
  numPoints: number;
}

/** Split samkit's encoded prompts into transformers.js's input_points / input_labels / input_boxes. */
export function toHfPrompts(prompts: EncodedPrompts): HfPrompts {
  const { batch, numPoints, pointCoords, pointLabels } = prompts;
  // Every prompt of a batch has the same layout: its real points, then the padding point or two box corners.
  const hasBox = pointLabels[numPoints - 1] === 3;
  const n = numPoints - (hasBox ? 2 : 1);
  const points = new Float32Array(batch * n * 2);
  const labels = new BigInt64Array(batch * n);
  const boxes = hasBox ? new Float32Array(batch * 4) : null;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < n; i++) {
      const k = b * numPoints + i;
      points[2 * (b * n + i)] = pointCoords[2 * k];
      points[2 * (b * n + i) + 1] = pointCoords[2 * k + 1];
      labels[b * n + i] = BigInt(pointLabels[k]);
    }
    if (boxes) boxes.set(pointCoords.subarray(2 * (b * numPoints + n), 2 * (b * numPoints + n) + 4), 4 * b);
  }
  return { points, labels, boxes, batch, numPoints: n };
}

export class HfSamDecoder implements FamilyDecoder {
  readonly supports: DecoderSupports;
  private positional: Promise<ort.Tensor> | null = null;
  private embeddingTensor: { data: Float32Array; tensor: ort.Tensor } | null = null;

  private constructor(private readonly session: ort.InferenceSession, private readonly file: string, private readonly context: DecoderContext) {
    const io = sessionIO(session);
    this.supports = { points: true, boxes: hasInput(io, 'input_boxes'), maskInput: false, singleMask: false };
  }

  static async open(file: string, context: DecoderContext): Promise<HfSamDecoder> {
    return new HfSamDecoder(await createSession(file, context.threads, `decoder ${file}`, context.cacheDir), file, context);
  }

  takeEncoderOutputs(outputs: Record<string, TensorLike>): void {
    // image_positional_embeddings does not depend on the image: kept from the first encode.
    const pe = outputs.image_positional_embeddings;
    if (pe && !this.positional) this.positional = Promise.resolve(new ort.Tensor('float32', pe.data as Float32Array, [...pe.dims]));
  }

  private positionalEmbeddings(): Promise<ort.Tensor> {
    // An embedding set from a file, before any image was encoded: the encoder gives it on a blank image.
    this.positional ??= this.context.blankEncoding().then((out) => {
      const pe = out.image_positional_embeddings;
      if (!pe) throw new ModelError(`the encoder paired with ${this.file} has no image_positional_embeddings output`);
      return new ort.Tensor('float32', pe.data as Float32Array, [...pe.dims]);
    });
    return this.positional;
  }

  async decode(embedding: Float32Array, prompts: EncodedPrompts): Promise<DecoderOutput> {
    if (prompts.hasMaskInput) throw new InvalidPromptError(`the hf-sam decoder ${this.file} has no mask input (transformers.js SAM exports take points only): drop the mask input`);
    const hf = toHfPrompts(prompts);
    if (hf.boxes && !this.supports.boxes) throw new InvalidPromptError(`the hf-sam decoder ${this.file} has no input_boxes: prompt it with points only`);
    if (!hf.boxes && this.supports.boxes) throw new InvalidPromptError(`the hf-sam decoder ${this.file} takes input_boxes with every prompt: add a box`);
    if (hf.numPoints === 0) throw new InvalidPromptError(`the hf-sam decoder ${this.file} needs at least one point`);
    if (this.embeddingTensor?.data !== embedding) this.embeddingTensor = { data: embedding, tensor: new ort.Tensor('float32', embedding, [...this.context.embeddingShape]) };
    const feeds: Record<string, ort.Tensor> = {
      image_embeddings: this.embeddingTensor.tensor,
      image_positional_embeddings: await this.positionalEmbeddings(),
      input_points: new ort.Tensor('float32', hf.points, [1, hf.batch, hf.numPoints, 2]),
      input_labels: new ort.Tensor('int64', hf.labels, [1, hf.batch, hf.numPoints]),
    };
    if (hf.boxes) feeds.input_boxes = new ort.Tensor('float32', hf.boxes, [1, hf.batch, 4]);
    const out = await this.session.run(feeds);
    const masks = out.pred_masks;
    const iou = out.iou_scores;
    const tokens = masks.dims[2];
    return { masks: masks.data as Float32Array, iou: iou.data as Float32Array, batch: hf.batch, tokens, lowSize: masks.dims[3], multimaskOnly: true };
  }

  async graphBytes(): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.file));
  }
}
