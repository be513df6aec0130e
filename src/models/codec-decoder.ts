/**
 * A generic-path decoder in onnxruntime-node: the family's codec (prompt-codec.ts) run on a session,
 * with the image-side inputs (the embedding, and the other encoder outputs the decoder takes) kept
 * as tensors with the embedding they came with, so a prompt only builds its own small feeds.
 */
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { InvalidArgumentError, ModelError } from '../core/errors.js';
import type { EncodedPrompts } from '../core/prompt.js';
import type { DecoderOutput } from '../model/sam-model.js';
import { createSession } from '../model/session-cache.js';
import type { DecoderContext, DecoderSupports, FamilyDecoder, TensorLike } from './family.js';
import type { FeedSpec, PromptCodec } from './prompt-codec.js';

function toTensor(t: TensorLike | FeedSpec): ort.Tensor {
  return t instanceof ort.Tensor ? t : new ort.Tensor(t.type as 'float32', t.data as Float32Array, [...t.dims]);
}

export class CodecDecoder implements FamilyDecoder {
  readonly supports: DecoderSupports;
  /** Image-dependent inputs, by the embedding they came with. */
  private readonly features = new WeakMap<Float32Array, Record<string, ort.Tensor>>();
  /** Image-independent inputs (the same for every image), from the first encoder run or a blank one. */
  private fixed: Promise<Record<string, ort.Tensor>> | null = null;
  private image: { embedding: Float32Array; feeds: Record<string, ort.Tensor> } | null = null;

  private constructor(
    private readonly session: ort.InferenceSession, readonly codec: PromptCodec,
    private readonly file: string, private readonly context: DecoderContext,
  ) {
    this.supports = codec.supports;
  }

  static async open(file: string, context: DecoderContext, codecOf: (inputNames: readonly string[]) => PromptCodec): Promise<CodecDecoder> {
    const session = await createSession(file, context.threads, `decoder ${file}`, context.cacheDir);
    return new CodecDecoder(session, codecOf(session.inputNames), file, context);
  }

  private pick(outputs: Record<string, TensorLike>, names: readonly string[]): Record<string, ort.Tensor> | null {
    const kept: Record<string, ort.Tensor> = {};
    for (const n of names) {
      const t = outputs[n];
      if (!t) return null;
      kept[n] = toTensor(t);
    }
    return kept;
  }

  takeEncoderOutputs(outputs: Record<string, TensorLike>): void {
    const emb = outputs[this.codec.embeddingInput];
    const { imageInputs, imageIndependent } = this.codec;
    if (!this.fixed && imageIndependent.length) {
      const kept = this.pick(outputs, imageIndependent);
      if (kept) this.fixed = Promise.resolve(kept);
    }
    const dependent = imageInputs.filter((n) => !imageIndependent.includes(n));
    if (emb && dependent.length) {
      const kept = this.pick(outputs, dependent);
      if (kept) this.features.set(emb.data as Float32Array, kept);
    }
  }

  private fixedInputs(): Promise<Record<string, ort.Tensor>> {
    const names = this.codec.imageIndependent;
    if (!names.length) return Promise.resolve({});
    // An embedding set from a file, before any image was encoded: the encoder gives them on a blank image.
    this.fixed ??= this.context.blankEncoding().then((out) => {
      const kept = this.pick(out, names);
      if (!kept) throw new ModelError(`the encoder paired with ${this.file} has no ${names.join(', ')} output`);
      return kept;
    });
    return this.fixed;
  }

  /**
   * Every image-side input besides the embedding for this embedding, by decoder input name (for
   * running the decoder elsewhere, e.g. in the page); null when this embedding's encoder outputs are
   * not known (it was read from a store).
   */
  async imageInputs(embedding: Float32Array): Promise<Record<string, TensorLike> | null> {
    const dependent = this.codec.imageInputs.some((n) => !this.codec.imageIndependent.includes(n));
    const features = dependent ? this.features.get(embedding) : {};
    if (!features) return null;
    return { ...(await this.fixedInputs()), ...features };
  }

  private async imageFeeds(embedding: Float32Array): Promise<Record<string, ort.Tensor>> {
    if (this.image?.embedding === embedding) return this.image.feeds;
    const others = await this.imageInputs(embedding);
    if (!others) {
      throw new InvalidArgumentError(`the ${this.codec.family} decoder takes the encoder's ${this.codec.imageInputsWhat} (${this.codec.imageInputs.join(', ')}) with the embedding: `
        + 'set the image itself (setImage) rather than a stored embedding');
    }
    const expected = this.context.embeddingShape.reduce((a, b) => a * b, 1);
    if (embedding.length !== expected) throw new InvalidArgumentError(`image embedding has ${embedding.length} values, expected ${this.context.embeddingShape.join('x')}`);
    const feeds = { ...(others as Record<string, ort.Tensor>), [this.codec.embeddingInput]: new ort.Tensor('float32', embedding, [...this.context.embeddingShape]) };
    this.image = { embedding, feeds };
    return feeds;
  }

  async decode(embedding: Float32Array, prompts: EncodedPrompts): Promise<DecoderOutput> {
    const image = await this.imageFeeds(embedding);
    return this.codec.decode(prompts, async (feeds, outputs) => {
      const all: Record<string, ort.Tensor> = { ...image };
      for (const [k, v] of Object.entries(feeds)) all[k] = toTensor(v);
      // Only the outputs the codec reads (SAM 2's object_score_logits is never copied out).
      return this.session.run(all, outputs as string[]);
    });
  }

  async graphBytes(): Promise<Uint8Array> {
    return new Uint8Array(await readFile(this.file));
  }
}
