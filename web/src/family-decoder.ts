/**
 * The page's decoder for model families run by the generic path (transformers.js SAM, SAM 2 in both
 * contracts): onnxruntime-web runs the family's own decoder graph, fed and read by the same codec as
 * the library (src/models/codecs.ts), on the image-side tensors the server's embedding endpoint sends
 * (the embedding plus the positional encoding or the high-resolution features). Results are laid out
 * as the official decoder's four tokens (see asOfficialTokens), so the rest of the page is unchanged.
 */
import * as ort from 'onnxruntime-web/wasm';
import type { EncodedPrompts } from '../../src/core/prompt.js';
import type { DecoderOutput } from '../../src/model/sam-model.js';
import { codecFor } from '../../src/models/codecs.js';
import type { PromptCodec } from '../../src/models/prompt-codec.js';

export interface ImageTensor { data: Float32Array; dims: number[] }

/**
 * Multimask-only outputs ([3] candidates) as the official decoder's [4] tokens: token 0, the
 * single-mask token such decoders lack, is the best-scoring candidate (what the library and the
 * server's decode endpoint return for it), tokens 1..3 the candidates.
 */
export function asOfficialTokens(scores: Float32Array, logits: Float32Array, plane: number): { scores: Float32Array; logits: Float32Array } {
  const n = scores.length;
  let best = 0;
  for (let t = 1; t < n; t++) if (scores[t] > scores[best]) best = t;
  const s = new Float32Array(n + 1);
  s[0] = scores[best];
  s.set(scores, 1);
  const l = new Float32Array((n + 1) * plane);
  l.set(logits.subarray(best * plane, (best + 1) * plane), 0);
  l.set(logits.subarray(0, n * plane), plane);
  return { scores: s, logits: l };
}

export class PageFamilyDecoder {
  private image: Record<string, ort.Tensor> | null = null;

  private constructor(private readonly session: ort.InferenceSession, readonly codec: PromptCodec) {}

  /** The family's graph in onnxruntime-web; throws when there is no codec or the graph cannot run here. */
  static async create(bytes: Uint8Array, family: string, maskInputSize: number): Promise<PageFamilyDecoder> {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const codec = codecFor(family, session.inputNames, maskInputSize, 'in this page');
    if (!codec) throw new Error(`no page decoder for the ${family} family`);
    const missing = [codec.embeddingInput, ...codec.imageInputs].filter((n) => !session.inputNames.includes(n));
    if (missing.length) throw new Error(`the ${family} decoder graph has no input ${missing.join(', ')}`);
    return new PageFamilyDecoder(session, codec);
  }

  /** The embedding and the other image-side inputs (by name, from the embedding endpoint). */
  setImage(embedding: Float32Array, dims: number[], inputs: Record<string, ImageTensor>): void {
    const missing = this.codec.imageInputs.filter((n) => !inputs[n]);
    if (missing.length) throw new Error(`the server sent no ${missing.join(', ')} with the embedding`);
    const image: Record<string, ort.Tensor> = { [this.codec.embeddingInput]: new ort.Tensor('float32', embedding, dims) };
    for (const n of this.codec.imageInputs) image[n] = new ort.Tensor('float32', inputs[n].data, inputs[n].dims);
    this.image = image;
  }

  get ready(): boolean {
    return this.image !== null;
  }

  async decode(prompts: EncodedPrompts): Promise<DecoderOutput> {
    const image = this.image;
    if (!image) throw new Error('the image embedding is not loaded yet');
    return this.codec.decode(prompts, async (feeds, outputs) => {
      const all: Record<string, ort.Tensor> = { ...image };
      for (const [k, v] of Object.entries(feeds)) all[k] = new ort.Tensor(v.type, v.data, v.dims);
      // (CPU outputs are JS arrays of their own: asOfficialTokens copies what it keeps.)
      return this.session.run(all, outputs as string[]);
    });
  }
}
