/**
 * Running SAM 2 decoders (both contracts, see family.ts). The image-side tensors besides the
 * embedding (the high-resolution features) come from the encoder run that made the embedding and are
 * kept with it. Prompts: samkit's encoded prompts are in model-input pixels of the stretched image;
 * both exports append their own padding point, so samkit's is dropped. samexporter's graph takes a
 * box as two corner points labelled 2 and 3 (SAM 2's predictor does the same); transformers.js's
 * takes it as input_boxes. Outputs are the three multimask candidates.
 */
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { InvalidArgumentError, InvalidPromptError } from '../../core/errors.js';
import type { EncodedPrompts } from '../../core/prompt.js';
import type { DecoderOutput } from '../../model/sam-model.js';
import { createSession } from '../../model/session-cache.js';
import type { DecoderContext, DecoderSupports, FamilyDecoder, TensorLike } from '../family.js';
import { hasInput } from '../family.js';
import { sessionIO } from '../graph-io.js';
import { toHfPrompts } from '../hf-sam/decoder.js';

type Contract = 'samexporter' | 'hf';

const FEATURES: Record<Contract, { embedding: string; others: string[] }> = {
  samexporter: { embedding: 'image_embed', others: ['high_res_feats_0', 'high_res_feats_1'] },
  hf: { embedding: 'image_embeddings.2', others: ['image_embeddings.0', 'image_embeddings.1'] },
};

/** The prompts' points without samkit's padding point (box corners stay, labelled 2 and 3). */
export function withoutPadding(prompts: EncodedPrompts): { coords: Float32Array; labels: Float32Array; numPoints: number } {
  const { batch, numPoints, pointCoords, pointLabels } = prompts;
  const padded = pointLabels[numPoints - 1] === -1;
  const n = padded ? numPoints - 1 : numPoints;
  const coords = new Float32Array(batch * n * 2);
  const labels = new Float32Array(batch * n);
  for (let b = 0; b < batch; b++) {
    coords.set(pointCoords.subarray(2 * b * numPoints, 2 * (b * numPoints + n)), 2 * b * n);
    labels.set(pointLabels.subarray(b * numPoints, b * numPoints + n), b * n);
  }
  return { coords, labels, numPoints: n };
}

export class Sam2Decoder implements FamilyDecoder {
  readonly supports: DecoderSupports;
  private readonly features = new WeakMap<Float32Array, Record<string, ort.Tensor>>();
  private embeddingTensor: { data: Float32Array; tensor: ort.Tensor } | null = null;

  private constructor(
    private readonly session: ort.InferenceSession, private readonly file: string,
    private readonly context: DecoderContext, private readonly contract: Contract,
  ) {
    const io = sessionIO(session);
    this.supports = contract === 'samexporter'
      ? { points: true, boxes: true, maskInput: hasInput(io, 'mask_input'), singleMask: false }
      : { points: true, boxes: hasInput(io, 'input_boxes'), maskInput: false, singleMask: false };
  }

  static async open(file: string, context: DecoderContext): Promise<Sam2Decoder> {
    const session = await createSession(file, context.threads, `decoder ${file}`, context.cacheDir);
    return new Sam2Decoder(session, file, context, session.inputNames.includes('image_embed') ? 'samexporter' : 'hf');
  }

  takeEncoderOutputs(outputs: Record<string, TensorLike>): void {
    const names = FEATURES[this.contract];
    const emb = outputs[names.embedding];
    if (!emb) return;
    const kept: Record<string, ort.Tensor> = {};
    for (const n of names.others) {
      const t = outputs[n];
      if (t) kept[n] = new ort.Tensor('float32', t.data as Float32Array, [...t.dims]);
    }
    this.features.set(emb.data as Float32Array, kept);
  }

  private imageFeeds(embedding: Float32Array): Record<string, ort.Tensor> {
    const kept = this.features.get(embedding);
    if (!kept) {
      throw new InvalidArgumentError(`SAM 2 decoders take the encoder's high-resolution features (${FEATURES[this.contract].others.join(', ')}) with the embedding: `
        + 'set the image itself (setImage) rather than a stored embedding');
    }
    if (this.embeddingTensor?.data !== embedding) this.embeddingTensor = { data: embedding, tensor: new ort.Tensor('float32', embedding, [...this.context.embeddingShape]) };
    return { ...kept, [FEATURES[this.contract].embedding]: this.embeddingTensor.tensor };
  }

  async decode(embedding: Float32Array, prompts: EncodedPrompts): Promise<DecoderOutput> {
    if (prompts.hasMaskInput && !this.supports.maskInput) throw new InvalidPromptError(`the SAM 2 decoder ${this.file} has no mask input: drop the mask input`);
    const image = this.imageFeeds(embedding);
    return this.contract === 'samexporter' ? this.decodeSamexporter(image, prompts) : this.decodeHf(image, prompts);
  }

  private async decodeSamexporter(image: Record<string, ort.Tensor>, prompts: EncodedPrompts): Promise<DecoderOutput> {
    const { batch } = prompts;
    const p = withoutPadding(prompts);
    const m = this.context.maskInputSize;
    // Without a mask input the graph ignores mask_input's values (has_mask_input = 0): zeros of the right size.
    const maskInput = prompts.hasMaskInput ? prompts.maskInput : new Float32Array(batch * m * m);
    const out = await this.session.run({
      ...image,
      point_coords: new ort.Tensor('float32', p.coords, [batch, p.numPoints, 2]),
      point_labels: new ort.Tensor('float32', p.labels, [batch, p.numPoints]),
      mask_input: new ort.Tensor('float32', maskInput, [batch, 1, m, m]),
      has_mask_input: new ort.Tensor('float32', new Float32Array(batch).fill(prompts.hasMaskInput ? 1 : 0), [batch]),
    });
    const masks = out.masks;
    return { masks: masks.data as Float32Array, iou: out.iou_predictions.data as Float32Array, batch, tokens: masks.dims[1], lowSize: masks.dims[3], multimaskOnly: true };
  }

  private async decodeHf(image: Record<string, ort.Tensor>, prompts: EncodedPrompts): Promise<DecoderOutput> {
    const hf = toHfPrompts(prompts);
    if (hf.boxes && !this.supports.boxes) throw new InvalidPromptError(`the SAM 2 decoder ${this.file} has no input_boxes: prompt it with points only`);
    // transformers.js's Sam2Model takes one box per image alongside points: a batch with boxes runs one prompt at a time.
    const groups = hf.boxes ? Array.from({ length: hf.batch }, (_, b) => [b]) : [Array.from({ length: hf.batch }, (_, b) => b)];
    const parts: Array<{ masks: Float32Array; iou: Float32Array; tokens: number; lowSize: number }> = [];
    for (const g of groups) {
      const n = hf.numPoints;
      const pts = g.length === hf.batch ? hf.points : hf.points.subarray(2 * n * g[0], 2 * n * (g[0] + 1));
      const lbl = g.length === hf.batch ? hf.labels : hf.labels.subarray(n * g[0], n * (g[0] + 1));
      const feeds: Record<string, ort.Tensor> = {
        ...image,
        input_points: new ort.Tensor('float32', pts, [1, g.length, n, 2]),
        input_labels: new ort.Tensor('int64', lbl, [1, g.length, n]),
      };
      if (this.supports.boxes) {
        feeds.input_boxes = hf.boxes
          ? new ort.Tensor('float32', hf.boxes.subarray(4 * g[0], 4 * g[0] + 4), [1, 1, 4])
          : new ort.Tensor('float32', new Float32Array(0), [1, 0, 4]);
      }
      const out = await this.session.run(feeds);
      const masks = out.pred_masks;
      parts.push({ masks: masks.data as Float32Array, iou: out.iou_scores.data as Float32Array, tokens: masks.dims[2], lowSize: masks.dims[3] });
    }
    if (parts.length === 1) return { ...parts[0], batch: hf.batch, multimaskOnly: true };
    const { tokens, lowSize } = parts[0];
    const masks = new Float32Array(hf.batch * tokens * lowSize * lowSize);
    const iou = new Float32Array(hf.batch * tokens);
    parts.forEach((part, b) => { masks.set(part.masks, b * part.masks.length); iou.set(part.iou, b * tokens); });
    return { masks, iou, batch: hf.batch, tokens, lowSize, multimaskOnly: true };
  }

  async graphBytes(): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.file));
  }
}
