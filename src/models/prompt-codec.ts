/**
 * The pure half of a generic-path decoder: how a family's prompt decoder graph is fed and read,
 * without any onnxruntime. The library (codec-decoder.ts, onnxruntime-node) and the page's worker
 * (onnxruntime-web) run the same codec, so both get the same prompt encoding and the same masks.
 */
import type { EncodedPrompts } from '../core/prompt.js';
import type { DecoderOutput } from '../model/sam-model.js';
import type { DecoderSupports, TensorLike } from './family.js';

/** A tensor to feed, before it is wrapped in the runtime's Tensor class. */
export interface FeedSpec {
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
  dims: number[];
}

/** Runs the decoder graph on these prompt feeds plus the image's tensors (the runner adds those). */
export type RunGraph = (feeds: Record<string, FeedSpec>, outputs: readonly string[]) => Promise<Record<string, TensorLike>>;

export interface PromptCodec {
  readonly family: string;
  readonly supports: DecoderSupports;
  /** The decoder input taking the image embedding. */
  readonly embeddingInput: string;
  /**
   * The other per-image decoder inputs, each an encoder output of the same name (the positional
   * encoding, SAM 2's high-resolution features).
   */
  readonly imageInputs: readonly string[];
  /** What those are, for messages ("high-resolution features"). */
  readonly imageInputsWhat: string;
  /** Those of imageInputs that are the same for every image (kept from the first encoder run). */
  readonly imageIndependent: readonly string[];
  /** Check the prompts against what the graph takes, run it (once or more), and read its outputs. */
  decode(prompts: EncodedPrompts, run: RunGraph): Promise<DecoderOutput>;
}

/** One run's masks and scores in a family's output layout ([.., tokens, lowSize, lowSize]). */
export function readMasks(masks: TensorLike, iou: TensorLike, batch: number): DecoderOutput {
  const d = masks.dims;
  return {
    masks: masks.data as Float32Array, iou: iou.data as Float32Array, batch,
    tokens: d[d.length - 3], lowSize: d[d.length - 1], multimaskOnly: true,
  };
}
