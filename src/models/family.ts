/**
 * Model families: what an encoder or decoder graph must declare (input/output names and ranks) for
 * samkit to run it, and how its inputs are built. Families are recognised from the graphs' I/O,
 * never from input positions or file names.
 */
import type { EncodedPrompts } from '../core/prompt.js';
import type { ResizeRule, Size } from '../core/transforms.js';
import type { DecoderOutput } from '../model/sam-model.js';

/** One graph input or output as the graph declares it (dims may be symbolic). */
export interface ValueInfo {
  name: string;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

/** A graph's declared inputs and outputs. */
export interface GraphIO {
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
}

/**
 * What the encoder's input tensor holds:
 * - 'normalized': the official `Sam.preprocess` result, normalised and zero-padded to inputSize²;
 * - 'resized-rgb': the resized image's RGB values 0-255 as float32 [h, w, 3]; normalisation and
 *   padding happen inside the graph (samexporter's `--use-preprocess` export).
 */
export type EncoderInput = 'normalized' | 'resized-rgb';

export interface EncoderFamily {
  readonly id: string;
  /** What the graph must declare, for errors that list every family. */
  readonly expects: string;
  /** False for families samkit recognises (to name them in errors) but cannot run yet. */
  readonly runnable: boolean;
  matches(io: GraphIO): boolean;
  readonly input: EncoderInput;
  /** How images are fitted to the input (default: the manifest's, SAM's longest side plus padding). */
  readonly resize?: ResizeRule;
  /** The output holding the image embedding (default: the first). */
  readonly embeddingOutput?: string;
  /** The input tensor's dims for a preprocessed image. */
  inputDims(inputSize: number, layout: 'NCHW' | 'NHWC', resized: Size): number[];
}

export interface DecoderFamily {
  readonly id: string;
  readonly expects: string;
  readonly runnable: boolean;
  matches(io: GraphIO): boolean;
  /** The decoder's image-embedding input, whose shape must fit the encoder's output. */
  readonly embeddingInput?: string;
  /** The encoder families whose graphs this decoder pairs with. */
  readonly encoders: readonly string[];
  /**
   * Open the decoder for families run by the generic path (everything but sam-onnx, which has its
   * own machinery in src/model).
   */
  open?(file: string, context: DecoderContext): Promise<FamilyDecoder>;
}

/** The prompt kinds a decoder graph takes. */
export interface DecoderSupports {
  points: boolean;
  boxes: boolean;
  maskInput: boolean;
  /** The single-mask token (token 0); false when the graph returns only the multimask candidates. */
  singleMask: boolean;
  /** Every prompt needs a box (a transformers.js SAM graph traced with input_boxes pairs one box with each prompt). */
  boxRequired?: boolean;
}

/** A tensor as onnxruntime returns it (only what decoders read). */
export interface TensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
}

export interface DecoderContext {
  threads: number;
  /** The image embedding's shape (the encoder's embedding output). */
  embeddingShape: readonly number[];
  /** The low-res mask size (mask_input's side). */
  maskInputSize: number;
  cacheDir: string;
  /** The encoder's outputs on a blank image, for decoders that need image-independent tensors. */
  blankEncoding(): Promise<Record<string, TensorLike>>;
}

/** A decoder run by the generic path: encoded prompts in, low-res logits and scores out. */
export interface FamilyDecoder {
  readonly supports: DecoderSupports;
  /** The encoder's outputs for the image being prompted (called after every encode). */
  takeEncoderOutputs?(outputs: Record<string, TensorLike>): void;
  decode(embedding: Float32Array, prompts: EncodedPrompts): Promise<DecoderOutput>;
  /**
   * The decoder's image-side inputs besides the embedding (by input name) for this embedding, for
   * running the decoder elsewhere (the page); null when they are not known (a stored embedding).
   */
  imageInputs(embedding: Float32Array): Promise<Record<string, TensorLike> | null>;
  /** The decoder graph's bytes, for running it in a browser. */
  graphBytes(): Promise<Uint8Array>;
}

export function hasInput(io: GraphIO, name: string, rank?: number): boolean {
  const v = io.inputs.find((i) => i.name === name);
  return v !== undefined && (rank === undefined || v.shape === undefined || v.shape.length === rank);
}

export function hasOutput(io: GraphIO, name: string): boolean {
  return io.outputs.some((o) => o.name === name);
}

/** "name [1,3,1024,1024] float32" for every input and output, for error messages. */
export function describeIO(io: GraphIO): string {
  const one = (v: ValueInfo) => `${v.name}${v.shape ? ` [${v.shape.join(',')}]` : ''}${v.type ? ` ${v.type}` : ''}`;
  return `inputs ${io.inputs.map(one).join(', ') || 'none'}; outputs ${io.outputs.map(one).join(', ') || 'none'}`;
}

/**
 * A matcher on declared names: every `inputs` and `outputs` name present and no `without` input
 * (how most families are told apart).
 */
export function declares(spec: { inputs: readonly string[]; outputs?: readonly string[]; without?: readonly string[] }): (io: GraphIO) => boolean {
  return (io) => spec.inputs.every((n) => hasInput(io, n)) && (spec.outputs ?? []).every((n) => hasOutput(io, n))
    && !(spec.without ?? []).some((n) => hasInput(io, n));
}
